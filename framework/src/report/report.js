// Draws a setfit run report from the JSON in #report-data with ECharts (inlined before this
// script). When done, #report-status holds what was drawn (series and data points per chart,
// table rows) and every error seen, so a headless browser can check the page.
(function() {
'use strict';
const status = {
  charts: {},
  tables: {},
  errors: [],
  done: false
};
window.addEventListener('error', (event) => status.errors.push(String(event.message)));
const consoleError = console.error;
console.error = function(...parts) {
  status.errors.push(parts.map(String).join(' '));
  consoleError.apply(console, parts);
};
const writeStatus = () => {
  document.getElementById('report-status').textContent = JSON.stringify(status);
};

const element = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};
const section = (title, note) => {
  const node = element('section');
  node.appendChild(element('h2', title));
  if (note) node.appendChild(element('p', note, 'note'));
  document.getElementById('report').appendChild(node);
  return node;
};
const formatNumber = (value) => {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4 ? value.toFixed(4) :
                                                            value.toExponential(3);
};
const table = (parent, id, columns, rows) => {
  const node = element('table');
  node.id = id;
  const head = node.createTHead().insertRow();
  columns.forEach((name) => head.appendChild(element('th', name)));
  const body = node.createTBody();
  rows.forEach((row) => {
    const line = body.insertRow();
    row.forEach(
        (cell) => line.insertCell().appendChild(document.createTextNode(formatNumber(cell))));
  });
  parent.appendChild(node);
  status.tables[id] = rows.length;
};
// One chart; records the series and data points ECharts holds after drawing it.
const chart = (parent, id, option) => {
  const node = element('div', undefined, 'chart');
  node.id = id;
  parent.appendChild(node);
  const instance = echarts.init(node, null, {renderer: 'svg'});
  instance.setOption(Object.assign({animation: false}, option));
  instance.getZr().refreshImmediately();
  const drawn = instance.getOption().series;
  status.charts[id] = {
    series: drawn.length,
    points: drawn.map((s) => (s.data ? s.data.length : 0)),
    shapes: node.querySelectorAll('svg path').length,
  };
  return instance;
};

try {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const metric = data.metric;
  document.title = 'setfit report: ' + data.title;
  document.getElementById('title').textContent = data.title;
  document.getElementById('subtitle').textContent =
      `${data.runs} runs (${data.finished} finished, ${data.failed.length} failed), ` +
      `${data.leaderboard.rows.length} configurations; ${metric} (${data.direction}); ` +
      `store ${data.store}; written ${data.generated}`;

  // Leaderboard: configurations best first, mean ± std over seeds, n.
  const board = data.leaderboard;
  const meanAt = board.columns.indexOf(`metrics.${metric}.mean`);
  const stdAt = board.columns.indexOf(`metrics.${metric}.std`);
  const nAt = board.columns.indexOf(`metrics.${metric}.n`);
  const paramColumns = board.columns.slice(1, meanAt);
  const shown = board.rows.slice(0, data.leaderboard_rows);
  const leaderboard = section(
      'Leaderboard',
      board.rows.length > shown.length ?
          `The best ${shown.length} of ${
              board.rows.length} configurations; all are in the parallel coordinates below.` :
          `Every configuration, best first; mean ± sample std over its seeds, n seeds.`);
  table(
      leaderboard, 'leaderboard', ['config'].concat(paramColumns, [`${metric} (mean ± std)`, 'n']),
      shown.map((row) => [row[0]].concat(row.slice(1, meanAt), [
        `${formatNumber(row[meanAt])} ± ${formatNumber(row[stdAt])}`, row[nAt]
      ])));

  // The metric against each varied parameter: mean ± std over the runs with each value.
  const errorBars = (points) => ({
    type: 'custom',
    name: 'mean ± std',
    data: points.map((p, i) => [i, p.mean - (p.std || 0), p.mean + (p.std || 0)]),
    renderItem: (params, api) => {
      const low = api.coord([api.value(0), api.value(1)]);
      const high = api.coord([api.value(0), api.value(2)]);
      const cap = 6;
      const style = api.style({stroke: '#333', fill: null, lineWidth: 1.5});
      return {
        type: 'group',
        children: [
          {type: 'line', shape: {x1: low[0], y1: low[1], x2: high[0], y2: high[1]}, style},
          {
            type: 'line',
            shape: {x1: low[0] - cap, y1: low[1], x2: low[0] + cap, y2: low[1]},
            style
          },
          {
            type: 'line',
            shape: {x1: high[0] - cap, y1: high[1], x2: high[0] + cap, y2: high[1]},
            style
          },
        ],
      };
    },
    z: 3,
  });
  // The y range holds every error bar, with a margin.
  const extent = (points) => {
    const finite = points.filter((p) => Number.isFinite(p.mean));
    if (finite.length === 0) return {scale: true};
    const low = Math.min(...finite.map((p) => p.mean - (p.std || 0)));
    const high = Math.max(...finite.map((p) => p.mean + (p.std || 0)));
    const margin = (high - low) * 0.1 || Math.abs(high) * 0.01 || 0.01;
    const round = (value) => Number(value.toPrecision(4));
    return {min: round(low - margin), max: round(high + margin)};
  };
  const byParam = section(
      `${metric} against each varied parameter`,
      'Mean ± sample std over every finished run with that value (n under each value); ' +
          'a per-stage setting is drawn once per stage.');
  data.parameters.forEach((param, index) => {
    chart(byParam, `param-${index}`, {
      title: {text: param.name, left: 'center', textStyle: {fontSize: 14}},
      tooltip: {trigger: 'axis'},
      xAxis: {
        type: 'category',
        name: param.name,
        nameLocation: 'middle',
        nameGap: 45,
        data: param.points.map((p) => `${formatNumber(p.value)}\n(n=${p.n})`)
      },
      yAxis: Object.assign({type: 'value', name: metric}, extent(param.points)),
      series: [
        {
          type: 'line',
          name: `${metric} mean`,
          data: param.points.map((p) => p.mean),
          symbolSize: 8
        },
        errorBars(param.points),
      ],
    });
  });

  // Training loss and evaluation curves, one line per run and stage (and metric).
  const curves = section(
      'Training curves',
      data.curves.runs_total > data.curves.runs_drawn ?
          `The ${data.curves.runs_drawn} best of ${
              data.curves.runs_total} finished runs (setfit report --curves N).` :
          `Every finished run.`);
  const curveChart = (id, title, series, yName) => {
    if (series.length === 0) {
      curves.appendChild(element('p', `No ${title.toLowerCase()} recorded.`, 'note'));
      return;
    }
    chart(curves, id, {
      title: {text: title, left: 'center', textStyle: {fontSize: 14}},
      tooltip: {trigger: 'item'},
      legend: {type: 'scroll', bottom: 0},
      grid: {bottom: 70},
      xAxis: {type: 'value', name: 'step', nameLocation: 'middle', nameGap: 25},
      yAxis: {type: 'value', name: yName, scale: true},
      series: series.map((s) => ({type: 'line', name: s.label, data: s.points, showSymbol: false})),
    });
  };
  curveChart('curves-loss', 'Training loss', data.curves.loss, 'loss');
  curveChart('curves-eval', 'Evaluation metrics', data.curves.eval, 'value');

  // Parallel coordinates: one line per configuration, the varied params and the metric's mean.
  const parallel = section(
      'Parallel coordinates',
      'One line per configuration; the last axis is the mean ' + metric + '.');
  if (board.rows.length > 0 && paramColumns.length > 0) {
    const axes = paramColumns.concat([`${metric} mean`]).map((name, dim) => {
      const values = board.rows.map((row) => row[dim + 1]);
      const numeric = values.every((v) => typeof v === 'number' || v === null);
      return numeric ? {dim, name, type: 'value', scale: true} :
                       {dim, name, type: 'category', data: [...new Set(values.map(String))]};
    });
    chart(parallel, 'parallel', {
      parallelAxis: axes,
      parallel: {left: 120, right: 140, top: 50, bottom: 40},
      visualMap: {
        type: 'continuous',
        dimension: axes.length - 1,
        right: 0,
        top: 'center',
        calculable: true,
        precision: 3,
        min: Math.min(...board.rows.map((r) => r[meanAt]).filter(Number.isFinite)),
        max: Math.max(...board.rows.map((r) => r[meanAt]).filter(Number.isFinite)),
        inRange: {color: ['#d94e5d', '#eac736', '#50a3ba'].reverse()}
      },
      series: [{
        type: 'parallel',
        lineStyle: {width: 1.5, opacity: 0.6},
        data: board.rows.map(
            (row) => row.slice(1, meanAt + 1)
                         .map((v, dim) => axes[dim].type === 'category' ? String(v) : v))
      }],
    });
  } else {
    parallel.appendChild(element(
        'p',
        board.rows.length === 0 ? `No finished run has ${metric}: nothing to draw.` :
                                  'Nothing varies: no axes to draw.',
        'note'));
  }

  // Failed runs with the stage they failed in and the first line of the error.
  const failed = section('Failed runs', data.failed.length === 0 ? 'None.' : undefined);
  if (data.failed.length > 0) {
    table(
        failed, 'failed', ['id', 'status', 'stage', 'error'],
        data.failed.map((run) => [run.id, run.status, run.stage, run.error]));
  }

  status.done = true;
} catch (error) {
  status.errors.push(String(error && error.stack ? error.stack : error));
} finally {
  writeStatus();
}
})();
