import type { Model, Resource } from './hcl-model';
import { blocks, evaluateIn, isObj, textOf } from './policy';
import type { Value } from './hcl-values';

/** One metric an alarm or the dashboard reads: its namespace, name and the dimension keys (and values) it names. */
export interface MetricRef {
  where: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  /** Metrics Insights query over a SCHEMA: the dimension set it aggregates. */
  schema?: string[];
  statistic?: string;
}

const INSIGHTS = /SELECT\s+\w+\(\s*"?([^")]+?)"?\s*\)\s+FROM\s+SCHEMA\(\s*"([^"]+)"\s*(?:,\s*([^)]*))?\)/i;

function fromInsights(where: string, expression: string): MetricRef | undefined {
  const match = INSIGHTS.exec(expression);
  if (!match) return undefined;
  const schema = (match[3] ?? '')
    .split(',')
    .map((key) => key.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
  return { where, namespace: match[2]!, metric: match[1]!, dimensions: {}, schema };
}

function dimensionsOf(value: Value | undefined): Record<string, string> {
  return isObj(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, textOf(v)])) : {};
}

export function alarmMetrics(alarm: Resource): MetricRef[] {
  const refs: MetricRef[] = [];
  const body = alarm.body;
  if (body.metric_name !== undefined) {
    refs.push({
      where: alarm.address,
      namespace: textOf(body.namespace),
      metric: textOf(body.metric_name),
      dimensions: dimensionsOf(body.dimensions),
      statistic: textOf(body.extended_statistic ?? body.statistic),
    });
  }
  for (const query of blocks(body.metric_query)) {
    for (const metric of blocks(query.metric)) {
      refs.push({
        where: alarm.address,
        namespace: textOf(metric.namespace),
        metric: textOf(metric.metric_name),
        dimensions: dimensionsOf(metric.dimensions),
        statistic: textOf(metric.stat),
      });
    }
    const insights = query.expression !== undefined ? fromInsights(alarm.address, textOf(query.expression)) : undefined;
    if (insights) refs.push(insights);
  }
  return refs;
}

/** Metrics of the dashboard widgets, read from the local the dashboard body encodes. */
export function dashboardMetrics(dashboard: Resource): MetricRef[] {
  const local = /jsonencode\((local\.\w+)\)/.exec(textOf(dashboard.body.dashboard_body));
  const body = local ? evaluateIn(dashboard, local[1]!) : undefined;
  const refs: MetricRef[] = [];
  const widgets = isObj(body) && Array.isArray(body.widgets) ? body.widgets.filter(isObj) : [];
  for (const widget of widgets) {
    const properties = isObj(widget.properties) ? widget.properties : {};
    for (const line of Array.isArray(properties.metrics) ? properties.metrics : []) {
      if (!Array.isArray(line)) continue;
      const [head] = line;
      if (isObj(head)) {
        const insights = fromInsights(dashboard.address, textOf(head.expression));
        if (insights) refs.push(insights);
        continue;
      }
      const values = line.filter((item) => !isObj(item)).map((item) => textOf(item));
      const dimensions: Record<string, string> = {};
      for (let i = 2; i + 1 < values.length; i += 2) dimensions[values[i]!] = values[i + 1]!;
      refs.push({ where: dashboard.address, namespace: values[0]!, metric: values[1]!, dimensions });
    }
  }
  return refs;
}

export function allMetricRefs(model: Model): MetricRef[] {
  return [
    ...model.ofType('aws_cloudwatch_metric_alarm').flatMap(alarmMetrics),
    ...model.ofType('aws_cloudwatch_dashboard').flatMap(dashboardMetrics),
  ];
}

/** The dimension set a reference needs published: the keys it names, or the SCHEMA it aggregates. */
export const dimensionSet = (ref: MetricRef): string[] => [...(ref.schema ?? Object.keys(ref.dimensions))].sort();
