// Swagger UI for the gateway's /openapi.json, from assets the gateway serves itself.
"use strict";

window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  // The default sends the document to validator.swagger.io for a badge: never leave the gateway.
  validatorUrl: null,
});
