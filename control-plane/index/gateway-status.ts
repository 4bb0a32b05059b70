// The Gateway API route status weft computes per parent Service (GEP-1426): conditions Accepted
// and ResolvedRefs (and PartiallyInvalid when some rules were dropped) with the spec's reasons.
// Shown by the control plane's /status; written to the objects by the leader in Kubernetes mode.

export const CONTROLLER_NAME = 'weft.io/mesh';

export type ConditionReason =
  | 'Accepted'
  | 'ResolvedRefs'
  | 'UnsupportedValue'
  | 'NoMatchingParent'
  | 'BackendNotFound'
  | 'InvalidKind'
  | 'RefNotPermitted';

export interface RouteCondition {
  readonly type: 'Accepted' | 'ResolvedRefs' | 'PartiallyInvalid';
  readonly status: 'True' | 'False';
  readonly reason: ConditionReason;
  readonly message: string;
  readonly observedGeneration?: number;
}

export interface RouteParentStatus {
  readonly parentRef: {
    readonly group: '';
    readonly kind: 'Service';
    readonly namespace: string;
    readonly name: string;
    readonly port?: number;
  };
  readonly controllerName: typeof CONTROLLER_NAME;
  readonly conditions: readonly RouteCondition[];
}

export interface RouteStatus {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  readonly parents: readonly RouteParentStatus[];
}

/** The first refused reference decides ResolvedRefs' reason, as the spec asks for one reason. */
export const resolvedRefs = (
  refused: readonly { reason: ConditionReason; message: string }[],
  generation: number | undefined,
): RouteCondition => {
  const g = generation !== undefined ? { observedGeneration: generation } : {};
  const first = refused[0];
  return first
    ? { type: 'ResolvedRefs', status: 'False', reason: first.reason, message: first.message, ...g }
    : {
        type: 'ResolvedRefs',
        status: 'True',
        reason: 'ResolvedRefs',
        message: 'every reference resolved',
        ...g,
      };
};

export const accepted = (
  parentProblem: string | undefined,
  ruleProblems: number,
  rulesServed: number,
  generation: number | undefined,
): RouteCondition[] => {
  const g = generation !== undefined ? { observedGeneration: generation } : {};
  if (parentProblem !== undefined)
    return [{ type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message: parentProblem, ...g }];
  if (ruleProblems > 0 && rulesServed === 0)
    return [
      {
        type: 'Accepted',
        status: 'False',
        reason: 'UnsupportedValue',
        message: 'no rule of the route can be served (see the configuration issues)',
        ...g,
      },
    ];
  const ok: RouteCondition = {
    type: 'Accepted',
    status: 'True',
    reason: 'Accepted',
    message: 'attached to the Service',
    ...g,
  };
  if (ruleProblems === 0) return [ok];
  return [
    ok,
    {
      type: 'PartiallyInvalid',
      status: 'True',
      reason: 'UnsupportedValue',
      message: `${ruleProblems} value(s) cannot be served; the rest of the route is (see the configuration issues)`,
      ...g,
    },
  ];
};
