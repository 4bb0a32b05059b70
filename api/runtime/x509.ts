// @peculiar/x509 needs a Reflect metadata polyfill (its DI container) and a WebCrypto provider;
// every component imports the library through this file to get both.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
