// Served from the service itself: no CDN, and no inline script, so a strict CSP can stay on.
window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", window.location.href).toString(),
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  validatorUrl: null,
  persistAuthorization: true,
});
