// JupyterLab's light/dark theme, read from the attribute its theme manager sets on <body>, so a
// mime renderer (which has no access to the app) can follow theme switches.

export function labTheme(): "light" | "dark" {
  return document.body.dataset.jpThemeLight === "false" ? "dark" : "light";
}

/** Calls `onChange` after every theme switch; returns a function that stops watching. */
export function watchTheme(onChange: (theme: "light" | "dark") => void): () => void {
  let current = labTheme();
  const observer = new MutationObserver(() => {
    const theme = labTheme();
    if (theme !== current) onChange((current = theme));
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  return () => observer.disconnect();
}
