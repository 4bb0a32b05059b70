// The parts of a Pod the mutation reads or writes, typed; every other field rides along in the
// index signatures and is copied through unchanged.
import type { Json, JsonObject } from './json.ts';

export type StringMap = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  readonly [key: string]: Json | undefined;
}

export interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
  readonly [key: string]: Json | undefined;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: JsonObject;
  readonly [key: string]: Json | undefined;
}

export interface Probe {
  readonly httpGet?: JsonObject;
  readonly tcpSocket?: JsonObject;
  readonly grpc?: JsonObject;
  readonly [key: string]: Json | undefined;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly ContainerPort[];
  readonly env?: readonly EnvVar[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly restartPolicy?: string;
  readonly [key: string]: Json | undefined;
}

export interface Volume {
  readonly name: string;
  readonly [key: string]: Json | undefined;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly hostNetwork?: boolean;
  readonly serviceAccountName?: string;
  readonly [key: string]: Json | undefined;
}

/** A Pod, or the pod template of a workload (the same metadata + spec shape). */
export interface PodLike {
  readonly metadata?: ObjectMeta;
  readonly spec?: PodSpec;
  readonly [key: string]: Json | undefined;
}
