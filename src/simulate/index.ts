/**
 * Public face of the failure model: build it from a plan, run failure sets,
 * enumerate single points of failure, diff control-plane changes, compare the
 * access patterns. The CLI imports from here.
 */
export { buildModel, type SimModel, type SimClient } from './model.js';
export { simulate, type Simulation, type ClientOutcome, type ClientStatus } from './evaluate.js';
export { parseFailures, failureCatalog, describeFailure, type Failure } from './failures.js';
export { blastRadius, singleFailures, failurePairs, type Impact } from './blast-radius.js';
export {
  withPattern,
  withControlPlaneAdded,
  withHostRemoved,
  parseNameAddress,
  planOf,
} from './inventory-variants.js';
export { renderDiff, type RenderDiff } from './render-diff.js';
export { buildColumns, defaultLb } from './compare-columns.js';
export { compareTables } from './compare.js';
export { loadSource, readPlanFile } from './sources.js';
export { formatSimulation, simulationJson, formatImpacts, impactsJson } from './format-simulate.js';
export { formatDiff } from './format-diff.js';
export { formatCompareText, formatCompareMarkdown, compareJson } from './format-compare.js';
