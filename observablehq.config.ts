// Observable Framework configuration. The site is built offline: see ARCHITECTURE.md.
export default {
  title: "thinksafe",
  root: "docs",
  output: "dist",
  pages: [
    // The home page (docs/index.md) is implicit.
    {
      name: "The study",
      pages: [
        { name: "Overview and Table 1", path: "/study" },
        { name: "Degradation", path: "/degradation" },
        { name: "Thinking vs. answer", path: "/thinking" },
        { name: "Sample browser", path: "/samples" },
        { name: "Reproduction status", path: "/status" },
      ],
    },
    {
      name: "Fine-tuning",
      pages: [
        { name: "Comparison (Table 2)", path: "/finetune" },
        { name: "TiS dataset", path: "/tis" },
      ],
    },
    { name: "Judges vs. humans", path: "/judges-vs-humans" },
    { name: "Benchmarks", path: "/benchmarks" },
    { name: "SQL explorer", path: "/explore" },
  ],
  // No Google Fonts link: the site uses the system font stack (style.css).
  globalStylesheets: [],
  style: "style.css",
  // DuckDB-wasm's json/parquet extensions would be fetched from extensions.duckdb.org;
  // tables reach the browser as Parquet read by parquet-wasm instead.
  duckdb: { extensions: { json: null, parquet: null } },
  search: false,
  // Links name the file itself (`./degradation.html`, `./index.html`), so that the built site works
  // on any static host without rewrites (python3 -m http.server, nginx, S3, GitHub Pages).
  preserveExtension: true,
  preserveIndex: true,
  // An empty icon: browsers would otherwise request /favicon.ico, which a static host lacks.
  head: `<link rel="icon" href="data:,">`,
  footer: "thinksafe — reproducible safety evaluation of multimodal reasoning models.",
};
