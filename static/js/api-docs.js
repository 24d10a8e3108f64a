// Starts the vendored Swagger UI on /docs; kept out of the page so no inline script is needed.
document.addEventListener("DOMContentLoaded", () => {
  // Swagger UI has its own dark theme, switched by a class; follow the system setting.
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const followScheme = () => document.documentElement.classList.toggle("dark-mode", dark.matches);
  followScheme();
  dark.addEventListener("change", followScheme);
  const root = document.getElementById("swagger-ui");
  // No deep links: Swagger UI puts them inside each operation's toggle button, a link in a
  // button that keyboards and screen readers cannot use (axe: nested-interactive).
  window.SwaggerUIBundle({ url: root.dataset.openapiUrl, domNode: root, deepLinking: false });
});
