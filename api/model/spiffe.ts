// SPIFFE IDs name mesh workloads in certificates (URI SAN): spiffe://<trust-domain>/ns/<ns>/sa/<sa>.
// The CA builds and checks them; sidecars read them from peer certificates for authorization.

export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

// Trust domain: lower-case letters, digits, '.', '-', '_' (SPIFFE spec). Namespace: DNS label.
// Service account: DNS subdomain. Anything else is refused rather than normalised.
const SPIFFE_RE =
  /^spiffe:\/\/([a-z0-9._-]{1,255})\/ns\/([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)\/sa\/([a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?)$/;

export const spiffeId = (id: WorkloadIdentity): string =>
  `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;

/** Parses a workload SPIFFE ID; undefined when it is not of the mesh's ns/sa shape. */
export const parseSpiffeId = (id: string): WorkloadIdentity | undefined => {
  const m = SPIFFE_RE.exec(id);
  if (!m) return undefined;
  return { trustDomain: m[1] as string, namespace: m[2] as string, serviceAccount: m[3] as string };
};

/** `namespace/name` service-account key (as in CallCtx.sourceServiceAccount) of a SPIFFE ID. */
export const serviceAccountKeyOf = (id: string, trustDomain?: string): string | undefined => {
  const parsed = parseSpiffeId(id);
  if (!parsed || (trustDomain !== undefined && parsed.trustDomain !== trustDomain)) return undefined;
  return `${parsed.namespace}/${parsed.serviceAccount}`;
};
