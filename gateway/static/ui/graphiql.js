// GraphiQL for the gateway, from assets the gateway serves itself (no CDN).
// Opened as /graphql?token=JWT, the header editor starts with that bearer token. The token
// then lives only in this page's memory: GraphiQL gets an in-memory storage instead of
// localStorage, so neither the token nor the headers are kept after the tab closes.
"use strict";

(function () {
  const token = new URLSearchParams(window.location.search).get("token");

  function memoryStorage() {
    const items = new Map();
    return {
      getItem: (key) => (items.has(key) ? items.get(key) : null),
      setItem: (key, value) => items.set(key, String(value)),
      removeItem: (key) => items.delete(key),
      clear: () => items.clear(),
      key: (index) => Array.from(items.keys())[index] ?? null,
      get length() {
        return items.size;
      },
    };
  }

  const url = new URL("/graphql", window.location.href);
  const subscriptionUrl = new URL(url);
  subscriptionUrl.protocol = url.protocol === "https:" ? "wss:" : "ws:";

  const props = {
    fetcher: GraphiQL.createFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href }),
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultEditorToolsVisibility: token ? "headers" : true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  };
  if (token) {
    props.headers = JSON.stringify({ Authorization: "Bearer " + token }, null, 2);
    props.storage = memoryStorage();
  }

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
