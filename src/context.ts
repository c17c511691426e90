/** Per-request context shared by the plugin, the directive and the resolvers. */
export interface TollgateContext {
  placeholder?: never;
}
