// The policy tests' measured numbers (shares, success rates, budget ratio) are quoted in
// docs/policies.md; WEFT_POLICY_REPORT=1 prints them so the page can be refreshed.
export const measured = (label: string, value: number | string): void => {
  if (process.env.WEFT_POLICY_REPORT === '1')
    process.stdout.write(`measured: ${label} = ${typeof value === 'number' ? value.toFixed(4) : value}\n`);
};
