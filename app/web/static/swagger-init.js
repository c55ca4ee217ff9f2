// Starts Swagger UI on /schema from a file of this server (the page has no inline script,
// so its Content-Security-Policy allows scripts from 'self' only).
(function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/schema/openapi.json",
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
}());
