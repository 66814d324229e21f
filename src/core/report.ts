// What a removal did, as people read it and as DECNET's reap-orphans JSON. The words themselves
// are in removal/text.ts; the types in model.ts.
export type { ReapReport, SkippedItem } from './model';
export { formatPlan, formatReport, formatReportText, reportJson, summarizeReport } from './removal/text';
