// A small end-to-end example on the public API: text cleaning -> features -> score, mapped over
// documents, with a nested pipeline, selective outputs and a progress log.
import { node, Pipeline, PipelineCallback } from "hypernodes";

const documents = [
  "  The quick brown fox jumps over the lazy dog.  ",
  "HyperNodes wires plain functions into a DAG by parameter names!",
  "  Caching means re-running a cell never recomputes what it already computed. ",
];

const clean = node(function clean(passage) {
  return passage.trim().toLowerCase();
});
const features = node(
  function features(clean) {
    const words = clean.split(/\s+/).filter(Boolean);
    return [words.length, words.reduce((n, w) => n + w.length, 0) / words.length];
  },
  { outputName: ["wordCount", "meanWordLength"] },
);
const score = node((wordCount, meanWordLength, weight = 0.5) => wordCount * weight + meanWordLength, {
  outputName: "score",
});

const perDocument = new Pipeline({ nodes: [clean, features, score], name: "per_document" });
const report = node(
  (scores) => ({ best: Math.max(...scores), mean: scores.reduce((a, b) => a + b, 0) / scores.length }),
  { outputName: "report" },
);

class CountingLog extends PipelineCallback {
  executed = 0;
  onNodeEnd() {
    this.executed++;
  }
}
const log = new CountingLog();
const corpus = new Pipeline({
  nodes: [
    perDocument.asNode({ inputMapping: { documents: "passage" }, outputMapping: { score: "scores" }, mapOver: "documents" }),
    report,
  ],
  callbacks: [log],
  name: "corpus",
});

const started = performance.now();
const result = await corpus.run({ documents });
console.log("pipeline:", corpus.toString());
console.log("inputs needed:", corpus.unfulfilledArgs.join(", "));
console.log("scores:", result.scores.map((s) => s.toFixed(2)).join(", "));
console.log("report:", result.report);
console.log("only the cleaned text of each document:", await perDocument.map({ passage: documents }, { mapOver: "passage", outputName: "clean" }));
console.log(`${log.executed} node executions in ${(performance.now() - started).toFixed(1)} ms`);
