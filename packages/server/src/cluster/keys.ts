// Every Redis key and channel of cluster mode, in one place, under one namespace (`titan` in
// production; tests use their own and delete it at the end).

export interface ClusterKeys {
  readonly namespace: string;
  /** Requests to one instance (a list it pops). */
  rpc(instanceId: string): string;
  /** Replies to one instance's calls (a list it pops). */
  replies(instanceId: string): string;
  /** A widget session's events (a stream, ids `<event id>-0`) for replay and resume. */
  events(widgetSessionId: string): string;
  /** A widget session's live events (a pub/sub channel). */
  live(widgetSessionId: string): string;
  /** Prefix of the shared rate-limit counters. */
  rateLimit: string;
}

export function clusterKeys(namespace = 'titan'): ClusterKeys {
  return {
    namespace,
    rpc: (instanceId) => `${namespace}:rpc:${instanceId}`,
    replies: (instanceId) => `${namespace}:rpc-reply:${instanceId}`,
    events: (widgetSessionId) => `${namespace}:ws:${widgetSessionId}`,
    live: (widgetSessionId) => `${namespace}:ws-live:${widgetSessionId}`,
    rateLimit: `${namespace}:rl:`,
  };
}
