// The stand-in's public surface for other tests: import from here, not from the parts.
export { startKubeApiServer } from './server.ts';
export type { KubeApiServer, KubeApiServerOptions, KubeConfigOptions, RequestRecord } from './server.ts';
export type { ObjectRef, StoreAccess } from './store-access.ts';
export type { ServiceAccountToken } from './token-review.ts';
export type { TokenReviewHandler, UserInfo } from './rest-context.ts';
export type { ServiceRef, ServiceResolver } from './webhook-call.ts';
export { crdManifest, type CustomKind } from './crd-manifest.ts';
export { makeTestCa, opensslAvailable, type CertKeyPair, type LeafRequest, type TestCa } from './certs.ts';
export type { KubeObject, ObjectMeta, Json, JsonObject } from './types.ts';
export { waitFor } from './wait-for.ts';
