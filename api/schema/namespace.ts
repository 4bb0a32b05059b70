// Schema of a core v1 Namespace as weft reads it: only its metadata (the `weft.io/mtls-mode`
// annotation sets the namespace's default inbound mTLS mode). spec and status are ignored.
import { z } from 'zod';
import { envelope } from './meta.ts';

export const namespaceSchema = envelope(['v1'], 'Namespace', { spec: z.unknown().optional() });
