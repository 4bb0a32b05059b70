// Pure: the control plane's issues about one object → its `Accepted` condition (metav1.Condition
// shape), and whether that differs from what the object's status already says. Messages name the
// bad field without the origin prefix: "spec.retries.attempts: must be a whole number from 1 to 10".
import type { ConfigIssue } from '../../../api/model/result.ts';

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

export interface StatusShape {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Partial<Condition>[];
}

const MAX_MESSAGE = 4000;

/** Issues concerning the object at `origin`, each as "<field>: <message>". */
export const issuesOf = (issues: readonly ConfigIssue[], origin: string): string[] =>
  issues
    .filter((i) => i.path === origin || i.path.startsWith(`${origin}: `))
    .map((i) => {
      // Paths read "<origin>: <Kind> <ns>/<name>: <field>"; keep the field.
      const rest = i.path.slice(origin.length + 2);
      const field = rest.replace(/^\S+ [^:\s]+\/[^:\s]+(: )?/, '');
      return field ? `${field}: ${i.message}` : i.message;
    });

export const acceptedCondition = (
  problems: readonly string[],
  generation: number,
  nowIso: string,
  previous: StatusShape | undefined,
): Condition => {
  const accepted = problems.length === 0;
  const old = previous?.conditions?.find((c) => c.type === 'Accepted');
  const status = accepted ? 'True' : 'False';
  const message = accepted
    ? 'the control plane compiled this object into the mesh configuration'
    : problems.join('; ').slice(0, MAX_MESSAGE);
  return {
    type: 'Accepted',
    status,
    reason: accepted ? 'Accepted' : 'Invalid',
    message,
    observedGeneration: generation,
    // Transition time moves only when the status flips, as Kubernetes conventions ask.
    lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : nowIso,
  };
};

export const sameCondition = (c: Condition, previous: StatusShape | undefined): boolean => {
  const old = previous?.conditions?.find((x) => x.type === 'Accepted');
  return (
    old?.status === c.status &&
    old.message === c.message &&
    old.observedGeneration === c.observedGeneration &&
    previous?.observedGeneration === c.observedGeneration
  );
};
