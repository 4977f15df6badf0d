// The release servers the browser tests run against. scripts/test.sh starts
// Redis and PostgreSQL and picks the ports; see scripts/services.sh.

const SECRET = 'end-to-end-tests-only-end-to-end-tests-only-end-to-end-tests-only-0123';

export type Instance = { name: string; port: string; store: string };

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests through \`make test\`, which starts Redis and PostgreSQL`);
  }
  return value;
}

/** Two app instances per shared store, as behind a load balancer. */
export function instances(): Instance[] {
  const redis = required('TEST_REDIS_URL');
  const postgres = required('TEST_POSTGRES_URL');
  const ports = required('E2E_INSTANCE_PORTS').split(',');
  return [
    { name: 'redis A', port: ports[0], store: redis },
    { name: 'redis B', port: ports[1], store: redis },
    { name: 'postgres A', port: ports[2], store: postgres },
    { name: 'postgres B', port: ports[3], store: postgres },
  ];
}

/** A Playwright web server running the release binary on `port`. */
export function release(port: string, env: Record<string, string>, before = '') {
  return {
    command: `${before}exec ../target/release/leptos-sessions`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      LEPTOS_ENV: 'PROD',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: '../target/site',
      SESSION_SECRET: SECRET,
      // Plain http on loopback: a Secure cookie would not be sent back.
      SESSION_COOKIE_SECURE: 'false',
      ...env,
    },
  };
}
