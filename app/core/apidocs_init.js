// Starts Swagger UI on /docs. A served file rather than an inline script, so the page's CSP
// can refuse every inline script.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)canet_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    // The default asks a third-party validator about the document.
    validatorUrl: null,
    // Cookie sessions must send the CSRF token on writes; the page may read that cookie.
    requestInterceptor: function (request) {
      var method = (request.method || "GET").toUpperCase();
      var token = csrfToken();
      if (token && ["GET", "HEAD", "OPTIONS"].indexOf(method) === -1) {
        request.headers["X-CSRF-Token"] = request.headers["X-CSRF-Token"] || token;
      }
      return request;
    },
  });
})();
