// orgchange – Swagger UI for the REST part of the API, started from a file of this origin
// (the Content-Security-Policy allows no inline script). A token given to its Authorize
// button is kept only until the page is closed (persistAuthorization is off).
window.SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  persistAuthorization: false,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
