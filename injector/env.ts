// The standalone injector's environment (injector/main.ts), parsed from an injected map with every
// bad variable reported at once. The only injector file that reads process.env. (When the control
// plane hosts the webhook it passes startInjectorWebhook its own settings instead.)
import { err, ok, type ConfigIssue, type Result } from '../api/model/result.ts';
import { LOG_LEVELS, parseValues, type InjectValues } from './inject/values.ts';

export interface InjectorEnv {
  readonly host: string;
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly logLevel: string;
  readonly values: InjectValues;
}

type Env = Readonly<Record<string, string | undefined>>;

const named = (env: Env, name: string) => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : { value, name };
};

export const readInjectorEnv = (env: Env = process.env): Result<InjectorEnv> => {
  const issues: ConfigIssue[] = [];
  const required = (name: string, what: string): string => {
    const v = env[name]?.trim();
    if (!v) issues.push({ path: name, message: `is required: ${what}` });
    return v ?? '';
  };
  const rawPort = env['WEFT_INJECTOR_PORT']?.trim() || '15017';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65_535)
    issues.push({ path: 'WEFT_INJECTOR_PORT', message: `must be a port 0-65535 (got "${rawPort}")` });
  const logLevel = env['WEFT_LOG_LEVEL']?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel))
    issues.push({
      path: 'WEFT_LOG_LEVEL',
      message: `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`,
    });
  const certFile = required('WEFT_TLS_CERT_FILE', 'the webhook serving certificate (PEM file)');
  const keyFile = required('WEFT_TLS_KEY_FILE', 'its private key (PEM file)');
  const values = parseValues({
    image: named(env, 'WEFT_IMAGE'),
    logLevel: named(env, 'WEFT_PROXY_LOG_LEVEL'),
    controlPlaneAddress: named(env, 'WEFT_CONTROL_PLANE'),
    nativeSidecar: named(env, 'WEFT_NATIVE_SIDECAR'),
    controlPlaneTls: named(env, 'WEFT_CONTROL_PLANE_TLS'),
  });
  if (!values.ok) issues.push(...values.error);
  if (issues.length || !values.ok) return err(issues);
  const host = env['WEFT_INJECTOR_HOST']?.trim() || '0.0.0.0';
  return ok({ host, port, certFile, keyFile, logLevel, values: values.value });
};
