// What the REST handlers share: the store and its write rules, watches, admission and the
// TokenReview authenticator, plus the caller's identity as authentication established it.
import type { Lifecycle } from './lifecycle.ts';
import type { ResourceRegistry, ResourceType } from './resource-types.ts';
import type { ObjectStore } from './store.ts';
import type { JsonObject, KubeObject } from './types.ts';
import type { WatchHub } from './watch.ts';

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

export interface AdmissionAttributes {
  readonly operation: 'CREATE' | 'UPDATE';
  readonly type: ResourceType;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly object: KubeObject;
  readonly oldObject: KubeObject | undefined;
  readonly userInfo: UserInfo;
}

/** Mutating admission: the object to store, or a thrown ApiError that rejects the request. */
export type Admit = (a: AdmissionAttributes) => Promise<KubeObject>;

/** TokenReview spec → status (authenticated, user, audiences, error). */
export type TokenReviewHandler = (spec: {
  token: string;
  audiences?: string[];
}) => JsonObject | Promise<JsonObject>;

export interface RestContext {
  readonly registry: ResourceRegistry;
  readonly store: ObjectStore;
  readonly lifecycle: Lifecycle;
  readonly watches: WatchHub;
  readonly admit: Admit;
  readonly tokenReview: () => TokenReviewHandler;
}

export interface ResourceRequest {
  readonly type: ResourceType;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly query: URLSearchParams;
  readonly user: UserInfo;
}
