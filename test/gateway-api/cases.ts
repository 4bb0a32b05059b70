// The upstream GAMMA mesh conformance tests as data, restated from
// shared/testdata/gateway-api/EXPECTATIONS.md (section 6): per test its features, its manifest and
// its cases. Beyond what the upstream mesh harness checks, cases carry the spec's intent (the
// path the backend saw, a redirect's Location) and this suite checks it too.

export type Client = 'v1' | 'v2' | 'consumer';

export interface Case {
  readonly name: string;
  /** Default v1: the echo-v1 pod of gateway-conformance-mesh. */
  readonly client?: Client;
  /** Default `echo` (port 80). */
  readonly host?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default [200]. */
  readonly status?: readonly number[];
  /** A prefix of the answering pod's name. */
  readonly backend?: string;
  /** Request headers the backend must see, values joined by `,`. */
  readonly seen?: Readonly<Record<string, string>>;
  readonly notSeen?: readonly string[];
  readonly response?: Readonly<Record<string, string>>;
  readonly responseAbsent?: readonly string[];
  /** Intent the upstream harness leaves unchecked: the path the backend saw. */
  readonly backendPath?: string;
  /** Intent the upstream harness leaves unchecked: the redirect's Location. */
  readonly location?: string;
  /** Set when this suite cannot run the case, with the reason. */
  readonly unsupported?: string;
  /** An Echo.Say call over gRPC (headers travel as metadata) instead of an HTTP GET. */
  readonly grpc?: boolean;
}

export interface Weighted {
  /** Host (with port) the requests go to; default `echo` over HTTP. */
  readonly grpcHost?: string;
  readonly requests: number;
  readonly expected: Readonly<Record<string, number>>;
  readonly tolerance: number;
  readonly maxBatches: number;
}

export interface ConformanceTest {
  readonly name: string;
  readonly features: readonly string[];
  /** File in shared/testdata/gateway-api/tests/. */
  readonly manifest?: string;
  readonly provisional?: boolean;
  readonly cases: readonly Case[];
  readonly weighted?: Weighted;
  /** Set when this suite cannot run the test at all, with the reason. */
  readonly unsupported?: string;
}

const M = 'Mesh';
const H = 'HTTPRoute';
const RESP = 'HTTPRouteResponseHeaderModification';
const NO_CAPTURE =
  'needs transparent capture (the original destination IP); this suite runs sidecars on loopback and routes by Host (test/capture covers capture)';
const grpcHeaderCase = (
  name: string,
  testCase: string,
  sent: Record<string, string>,
  expect: Partial<Case>,
): Case => ({
  name,
  grpc: true,
  host: 'echo:7070',
  headers: { 'x-test-case': testCase, ...sent },
  ...expect,
  seen: { 'x-test-case': testCase, ...expect.seen },
});

const headerCases = (): Case[] => {
  const cases: Case[] = [
    {
      name: '0 /set',
      path: '/set',
      headers: { 'Some-Other-Header': 'val' },
      seen: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' },
    },
    {
      name: '1 /set overwrites',
      path: '/set',
      headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' },
      seen: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' },
    },
    {
      name: '2 /add',
      path: '/add',
      headers: { 'Some-Other-Header': 'val' },
      seen: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' },
    },
    {
      name: '3 /add appends',
      path: '/add',
      headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' },
      seen: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' },
    },
    {
      name: '4 /remove',
      path: '/remove',
      headers: { 'X-Header-Remove': 'val' },
      notSeen: ['X-Header-Remove'],
    },
    {
      name: '5 /multiple',
      path: '/multiple',
      headers: {
        'X-Header-Set-2': 'set-val-2',
        'X-Header-Add-2': 'add-val-2',
        'X-Header-Remove-2': 'remove-val-2',
        'Another-Header': 'another-header-val',
      },
      seen: {
        'X-Header-Set-1': 'header-set-1',
        'X-Header-Set-2': 'header-set-2',
        'X-Header-Add-1': 'header-add-1',
        'X-Header-Add-2': 'add-val-2,header-add-2',
        'X-Header-Add-3': 'header-add-3',
        'Another-Header': 'another-header-val',
      },
      notSeen: ['X-Header-Remove-1', 'X-Header-Remove-2'],
    },
    {
      name: '6 /case-insensitivity',
      path: '/case-insensitivity',
      headers: {
        'x-header-set': 'original-val-set',
        'x-header-add': 'original-val-add',
        'x-header-remove': 'original-val-remove',
        'Another-Header': 'another-header-val',
      },
      seen: {
        'X-Header-Set': 'header-set',
        'X-Header-Add': 'original-val-add,header-add',
        'Another-Header': 'another-header-val',
      },
      notSeen: ['X-Header-Remove'],
    },
  ];
  return cases.map((c) => ({
    ...c,
    backend: 'echo-v1',
    ...(c.path !== undefined ? { backendPath: c.path } : {}),
  }));
};

const rewriteHeaders = {
  'X-Header-Remove': 'remove-val',
  'X-Header-Add-Append': 'append-val-1',
  'X-Header-Set': 'set-val',
};
const rewriteSeen = {
  'X-Header-Add': 'header-val-1',
  'X-Header-Add-Append': 'append-val-1,header-val-2',
  'X-Header-Set': 'set-overwrites-values',
};

const redirect = (path: string, status: number, location: string): Case => ({
  name: `GET ${path}`,
  path,
  status: [status],
  location,
});

export const TESTS: readonly ConformanceTest[] = [
  { name: 'MeshBasic', features: [M], cases: [{ name: '0 request to echo', path: '' }] },
  {
    name: 'MeshConsumerRoute',
    features: [M, 'MeshConsumerRoute', H, RESP],
    manifest: 'mesh-consumer-route.yaml',
    cases: [
      {
        name: "request from consumer route's namespace modified by HTTPRoute",
        client: 'consumer',
        host: 'echo-v1.gateway-conformance-mesh',
        path: '/',
        response: { 'X-Header-Set': 'set' },
        backend: 'echo-v1',
      },
      {
        name: "request not from consumer route's namespace not modified by HTTPRoute",
        host: 'echo-v1.gateway-conformance-mesh',
        path: '/',
        responseAbsent: ['X-Header-Set'],
        backend: 'echo-v1',
      },
    ],
  },
  {
    name: 'MeshFrontend',
    features: [M, H, RESP],
    manifest: 'mesh-frontend.yaml',
    cases: [
      {
        name: 'Send to service',
        host: 'echo-v2',
        path: '',
        response: { 'X-Header-Set': 'set' },
        backend: 'echo-v2',
      },
      {
        name: 'Send to pod IP',
        path: '',
        responseAbsent: ['X-Header-Set'],
        backend: 'echo-v2',
        unsupported: NO_CAPTURE,
      },
    ],
  },
  {
    name: 'MeshFrontendHostname',
    features: [M, 'MeshClusterIPMatching', H, RESP],
    manifest: 'mesh-frontend.yaml',
    cases: [
      {
        name: 'Send to service with wrong hostname',
        host: 'echo-v2',
        headers: { Host: 'echo-v1' },
        response: { 'X-Header-Set': 'set' },
        backend: 'echo-v2',
        unsupported: NO_CAPTURE,
      },
      {
        name: 'Send to other service with matching hostname',
        host: 'echo-v1',
        headers: { Host: 'echo-v2' },
        responseAbsent: ['X-Header-Set'],
        backend: 'echo-v1',
        unsupported: NO_CAPTURE,
      },
    ],
  },
  {
    name: 'MeshPorts',
    features: [M, H, 'HTTPRouteParentRefPort', RESP],
    manifest: 'mesh-ports.yaml',
    cases: [
      {
        name: 'Explicit port set, send to that port',
        host: 'echo-v1',
        response: { 'X-Header-Set': 'v1' },
        backend: 'echo-v1',
      },
      {
        name: 'Explicit port, send to an excluded port',
        host: 'echo-v1:8080',
        responseAbsent: ['X-Header-Set'],
        backend: 'echo-v1',
      },
      { name: 'No port set (80)', host: 'echo-v2', response: { 'X-Header-Set': 'v2' }, backend: 'echo-v2' },
      {
        name: 'No port set (8080)',
        host: 'echo-v2:8080',
        response: { 'X-Header-Set': 'v2' },
        backend: 'echo-v2',
      },
    ],
  },
  {
    name: 'MeshTrafficSplit',
    features: [M, H],
    manifest: 'mesh-split.yaml',
    cases: [
      { name: '0 /v1', path: '/v1', backend: 'echo-v1' },
      { name: '1 /v2', path: '/v2', backend: 'echo-v2' },
    ],
  },
  {
    name: 'MeshHTTPRouteSimpleSameNamespace',
    features: [M, H],
    manifest: 'httproute-simple-same-namespace.yaml',
    cases: [{ name: 'Simple HTTP request should reach infra-backend', path: '/', backend: 'echo-v1' }],
  },
  {
    name: 'MeshHTTPRouteMatching',
    features: [M, H],
    manifest: 'httproute-matching.yaml',
    cases: (
      [
        ['/', undefined, 'echo-v1'],
        ['/example', undefined, 'echo-v1'],
        ['/', 'one', 'echo-v1'],
        ['/v2', undefined, 'echo-v2'],
        ['/v2/example', undefined, 'echo-v2'],
        ['/', 'two', 'echo-v2'],
        ['/v2/', undefined, 'echo-v2'],
        ['/v2example', undefined, 'echo-v1'],
        ['/foo/v2/example', undefined, 'echo-v1'],
      ] as const
    ).map(([path, version, backend], i) => ({
      name: `${i} ${path}${version ? ` Version: ${version}` : ''}`,
      path,
      ...(version ? { headers: { Version: version } } : {}),
      backend,
      backendPath: path,
    })),
  },
  {
    name: 'MeshHTTPRouteNamedRule',
    features: [M, H, 'MeshHTTPRouteNamedRouteRule'],
    provisional: true,
    manifest: 'httproute-named-rule.yaml',
    cases: [
      { name: '0 /named', path: '/named', backend: 'echo-v1', backendPath: '/named' },
      { name: '1 /unnamed', path: '/unnamed', backend: 'echo-v2', backendPath: '/unnamed' },
    ],
  },
  {
    name: 'MeshHTTPRouteQueryParamMatching',
    features: [M, H, 'MeshHTTPRouteQueryParamMatching'],
    manifest: 'httproute-query-param-matching.yaml',
    cases: (
      [
        ['/?animal=whale', undefined, 'echo-v1'],
        ['/?animal=dolphin', undefined, 'echo-v2'],
        ['/?animal=whale&otherparam=irrelevant', undefined, 'echo-v1'],
        ['/?animal=dolphin&color=yellow', undefined, 'echo-v2'],
        ['/?color=blue', undefined, 404],
        ['/?animal=dog', undefined, 404],
        ['/?animal=whaledolphin', undefined, 404],
        ['/', undefined, 404],
        ['/path1?animal=whale', undefined, 'echo-v1'],
        ['/?animal=whale', 'one', 'echo-v2'],
        ['/path3?animal=shark', undefined, 'echo-v1'],
        ['/path4?animal=kraken', 'three', 'echo-v1'],
        ['/?animal=shark', undefined, 404],
        ['/path4?animal=kraken', undefined, 404],
        ['/path5?animal=hydra', undefined, 'echo-v1'],
      ] as const
    ).map(([path, version, expect], i) => ({
      name: `${i} ${path}${version ? ` version: ${version}` : ''}`,
      path,
      ...(version ? { headers: { version } } : {}),
      ...(typeof expect === 'number' ? { status: [expect] } : { backend: expect }),
    })),
  },
  {
    name: 'MeshHTTPRoute303Redirect',
    features: [M, H, 'HTTPRoute303RedirectStatusCode'],
    provisional: true,
    manifest: 'httproute-303-redirect.yaml',
    cases: [redirect('/redirect', 303, 'http://echo/redirect')],
  },
  {
    name: 'MeshHTTPRoute307Redirect',
    features: [M, H, 'HTTPRoute307RedirectStatusCode'],
    provisional: true,
    manifest: 'httproute-307-redirect.yaml',
    cases: [redirect('/temporary', 307, 'http://echo/temporary')],
  },
  {
    name: 'MeshHTTPRoute308Redirect',
    features: [M, H, 'HTTPRoute308RedirectStatusCode'],
    provisional: true,
    manifest: 'httproute-308-redirect.yaml',
    cases: [redirect('/permanent', 308, 'http://echo/permanent')],
  },
  {
    name: 'MeshHTTPRouteRedirectHostAndStatus',
    features: [M, H],
    manifest: 'httproute-redirect-host-and-status.yaml',
    cases: [
      redirect('/hostname-redirect', 302, 'http://example.org/hostname-redirect'),
      redirect('/host-and-status', 301, 'http://example.org/host-and-status'),
    ],
  },
  {
    name: 'MeshHTTPRouteRedirectPath',
    features: [M, H, 'MeshHTTPRouteRedirectPath'],
    manifest: 'httproute-redirect-path.yaml',
    cases: [
      redirect('/original-prefix/lemon', 302, 'http://echo/replacement-prefix/lemon'),
      redirect('/full/path/original', 302, 'http://echo/full-path-replacement'),
      redirect('/path-and-host', 302, 'http://example.org/replacement-prefix'),
      redirect('/path-and-status', 301, 'http://echo/replacement-prefix'),
      redirect('/full-path-and-host', 302, 'http://example.org/replacement-full'),
      redirect('/full-path-and-status', 301, 'http://echo/replacement-full'),
    ],
  },
  {
    name: 'MeshHTTPRouteRedirectPort',
    features: [M, H, 'MeshHTTPRouteRedirectPort'],
    manifest: 'httproute-redirect-port.yaml',
    cases: [
      redirect('/port', 302, 'http://echo:8083/port'),
      redirect('/port-and-host', 302, 'http://example.org:8083/port-and-host'),
      redirect('/port-and-status', 301, 'http://echo:8083/port-and-status'),
      redirect('/port-and-host-and-status', 302, 'http://example.org:8083/port-and-host-and-status'),
    ],
  },
  {
    name: 'MeshHTTPRouteSchemeRedirect',
    features: [M, H, 'MeshHTTPRouteSchemeRedirect'],
    manifest: 'httproute-redirect-scheme.yaml',
    cases: [
      redirect('/scheme', 302, 'https://echo/scheme'),
      redirect('/scheme-and-host', 302, 'https://example.org/scheme-and-host'),
      redirect('/scheme-and-status', 301, 'https://echo/scheme-and-status'),
      redirect('/scheme-and-host-and-status', 302, 'https://example.org/scheme-and-host-and-status'),
    ],
  },
  {
    name: 'MeshHTTPRouteRequestHeaderModifier',
    features: [M, H],
    manifest: 'httproute-request-header-modifier.yaml',
    cases: headerCases(),
  },
  {
    name: 'MeshHTTPRouteBackendRequestHeaderModifier',
    features: [M, H, 'MeshHTTPRouteBackendRequestHeaderModification'],
    manifest: 'httproute-request-header-modifier-backend.yaml',
    cases: headerCases(),
  },
  {
    name: 'MeshHTTPRouteRewritePath',
    features: [M, H, 'MeshHTTPRouteRewritePath'],
    manifest: 'httproute-rewrite-path.yaml',
    cases: [
      { name: '0 /prefix/one/two', path: '/prefix/one/two', backendPath: '/one/two' },
      { name: '1 /strip-prefix/three', path: '/strip-prefix/three', backendPath: '/three' },
      { name: '2 /strip-prefix', path: '/strip-prefix', backendPath: '/' },
      { name: '3 /full/one/two', path: '/full/one/two', backendPath: '/one' },
      {
        name: '4 full path and headers',
        path: '/full/rewrite-path-and-modify-headers/test',
        headers: rewriteHeaders,
        backendPath: '/test',
        seen: rewriteSeen,
        notSeen: ['X-Header-Remove'],
      },
      {
        name: '5 prefix and headers',
        path: '/prefix/rewrite-path-and-modify-headers/one',
        headers: rewriteHeaders,
        backendPath: '/prefix/one',
        seen: rewriteSeen,
        notSeen: ['X-Header-Remove'],
      },
    ].map((c) => ({ ...c, backend: 'echo-v1' })),
  },
  {
    name: 'MeshHTTPRouteWeight',
    features: [M, H],
    manifest: 'httproute-weight.yaml',
    cases: [{ name: 'pre-check', path: '/' }],
    weighted: {
      requests: 500,
      expected: { 'echo-v1': 0.7, 'echo-v2': 0.3 },
      tolerance: 0.05,
      maxBatches: 10,
    },
  },
  {
    name: 'MeshGRPCRouteWeight',
    features: [M, 'GRPCRoute'],
    manifest: 'grpcroute-weight.yaml',
    cases: [{ name: 'pre-check', grpc: true, host: 'echo:7070' }],
    weighted: {
      grpcHost: 'echo:7070',
      requests: 500,
      expected: { 'echo-v1': 0.7, 'echo-v2': 0.3 },
      tolerance: 0.05,
      maxBatches: 10,
    },
  },
  {
    name: 'MeshGRPCRouteRequestHeaderModifier',
    features: [M, 'GRPCRoute'],
    manifest: 'grpcroute-request-header-modifier.yaml',
    cases: [
      grpcHeaderCase(
        'Set headers -- overwrites existing header',
        'set',
        {
          'some-other-header': 'this-header-should-be-set',
          'x-header-set': 'this-value-should-be-overwritten',
        },
        {
          backend: 'echo-v1',
          seen: { 'some-other-header': 'this-header-should-be-set', 'x-header-set': 'set-overwrites-values' },
        },
      ),
      grpcHeaderCase(
        'Add headers -- appends to existing header',
        'add',
        { 'x-header-add': 'this-value-should-be-appended' },
        { backend: 'echo-v1', seen: { 'x-header-add': 'this-value-should-be-appended,add-appends-values' } },
      ),
      grpcHeaderCase(
        'Remove headers -- removes headers',
        'remove',
        { 'x-header-remove': 'this-should-be-removed' },
        {
          backend: 'echo-v1',
          notSeen: ['x-header-remove'],
        },
      ),
      grpcHeaderCase(
        'Multiple operations -- set, add, and remove headers',
        'multi',
        {
          'x-header-set-2': 'set-header-2',
          'x-header-add-2': 'add-header-2',
          'x-header-remove-2': 'should-be-removed-2',
        },
        {
          client: 'v2',
          backend: 'echo-v2',
          seen: {
            'x-header-set-1': 'header-set-1',
            'x-header-set-2': 'header-set-2',
            'x-header-add-1': 'header-add-1',
            'x-header-add-2': 'add-header-2,header-add-2',
          },
          notSeen: ['x-header-remove-1', 'x-header-remove-2'],
        },
      ),
    ],
  },
];
