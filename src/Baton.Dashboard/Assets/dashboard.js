// Baton dashboard: renders the listing that api/events streams (schema of `baton locks --json`).
// Names and member fields come from whoever can take a lock: they only ever reach the page as text
// (textContent, setAttribute), never as HTML.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    config: null,
    document: null,
    receivedAt: 0,
    source: null,
    retryTimer: 0,
    ticking: [],
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function formatSeconds(total) {
    const s = Math.max(0, Math.floor(total));
    const pad = (n) => String(n).padStart(2, '0');
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor(s / 3600) % 24}h`;
  }

  function threshold(input, fallback) {
    const value = Number.parseFloat(input.value);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  }

  function setConnection(kind, text) {
    const node = $('connection');
    node.className = `connection ${kind}`;
    node.textContent = text;
  }

  function showError(text) {
    const node = $('error');
    node.textContent = text || '';
    node.hidden = !text;
  }

  // The page's state lives in the URL query, so a filtered view can be bookmarked and shared.
  function writeUrl() {
    const query = new URLSearchParams();
    const prefix = $('prefix').value;
    if (prefix) query.set('prefix', prefix);
    if ($('hold').value !== String(state.config.holdThresholdSeconds)) query.set('hold', $('hold').value);
    if ($('wait').value !== String(state.config.waitThresholdSeconds)) query.set('wait', $('wait').value);
    const text = query.toString();
    history.replaceState(null, '', text ? `?${text}` : location.pathname);
  }

  function memberCells(row, member) {
    row.append(el('td', 'host', member.host), el('td', 'num pid', member.pid), el('td', 'process', member.process), el('td', 'id', member.id ?? '–'));
  }

  function forCell(row, seconds, kind) {
    const cell = el('td', 'for');
    row.append(cell);
    state.ticking.push({ row, cell, seconds, kind });
  }

  function breakButton(entry) {
    const button = el('button', 'break', 'break');
    button.type = 'button';
    button.title = `Break ${entry.kind} ${entry.name}: its holders lose it`;
    button.addEventListener('click', async () => {
      if (!window.confirm(`Break ${entry.kind} "${entry.name}"? Its holders lose it.`)) return;
      const query = new URLSearchParams({ name: entry.name, kind: entry.kind });
      const response = await fetch(`api/locks/break?${query}`, { method: 'POST', headers: { [state.config.breakHeader]: '1' } });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        showError(`break failed: ${body.error || response.status}`);
      }
    });
    return button;
  }

  function lockBody(entry) {
    const body = el('tbody', 'lock');
    body.setAttribute('data-name', entry.name);
    body.setAttribute('data-kind', entry.kind);
    const kind = entry.kind === 'semaphore' ? `semaphore/${entry.maxCount}` : entry.kind;
    const rows = [];
    for (const holder of entry.holders) {
      const row = el('tr', 'holder');
      row.append(el('td', 'state', 'held'), el('td', 'mode', holder.mode));
      memberCells(row, holder.member);
      row.append(el('td', 'num token', holder.fencingToken));
      forCell(row, holder.heldSeconds, 'hold');
      rows.push(row);
    }
    for (const waiter of entry.waiters) {
      const row = el('tr', 'waiter');
      row.append(el('td', 'state', 'waiting'), el('td', 'mode', waiter.mode));
      memberCells(row, waiter.member);
      row.append(el('td', 'num token', '–'));
      forCell(row, waiter.waitedSeconds, 'wait');
      rows.push(row);
    }
    if (rows.length === 0) {
      const row = el('tr', 'idle');
      const cell = el('td', 'state', 'free');
      cell.colSpan = 9;
      row.append(cell);
      rows.push(row);
    }
    rows.forEach((row, index) => {
      const name = el('td', 'name', index === 0 ? entry.name : '');
      const kindCell = el('td', 'kind', index === 0 ? kind : '');
      row.prepend(name, kindCell);
      const action = el('td', 'action');
      if (index === 0 && state.config && !state.config.readOnly) action.append(breakButton(entry));
      row.append(action);
      body.append(row);
    });
    return body;
  }

  function groupBlock(entry) {
    const block = el('div', 'group');
    block.setAttribute('data-name', entry.name);
    const title = el('h3', null, entry.name);
    title.append(el('span', 'count', ` ${entry.holders.length} member${entry.holders.length === 1 ? '' : 's'}`));
    block.append(title);
    const table = el('table');
    const head = el('tr');
    for (const text of ['Member id', 'Host', 'PID', 'Process', 'Token', 'Member for']) head.append(el('th', null, text));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (const holder of entry.holders) {
      const row = el('tr', 'member');
      row.append(el('td', 'id', holder.member.id ?? '–'), el('td', 'host', holder.member.host), el('td', 'num pid', holder.member.pid),
        el('td', 'process', holder.member.process), el('td', 'num token', holder.fencingToken));
      forCell(row, holder.heldSeconds, 'member');
      body.append(row);
    }
    table.append(body);
    block.append(table);
    return block;
  }

  function render() {
    const doc = state.document;
    if (!doc) return;
    const prefix = $('prefix').value;
    const shown = doc.locks.filter((entry) => entry.name.startsWith(prefix));
    const locks = shown.filter((entry) => entry.kind !== 'group');
    const groups = shown.filter((entry) => entry.kind === 'group');
    state.ticking = [];

    const table = $('locks');
    for (const body of Array.from(table.tBodies)) body.remove();
    for (const entry of locks) table.append(lockBody(entry));
    table.hidden = locks.length === 0;
    $('no-locks').hidden = locks.length !== 0;
    $('lock-count').textContent = `(${locks.length})`;

    const container = $('groups');
    container.replaceChildren(...groups.map(groupBlock));
    $('no-groups').hidden = groups.length !== 0;
    $('group-count').textContent = `(${groups.length})`;

    $('backend').textContent = doc.backend;
    tick();
  }

  // Durations tick here every second between updates: the server sends only changes.
  function tick() {
    if (!state.document) return;
    const elapsed = (performance.now() - state.receivedAt) / 1000;
    const hold = threshold($('hold'), state.config.holdThresholdSeconds);
    const wait = threshold($('wait'), state.config.waitThresholdSeconds);
    for (const item of state.ticking) {
      const seconds = item.seconds + elapsed;
      item.cell.textContent = formatSeconds(seconds);
      item.row.classList.toggle('long-hold', item.kind === 'hold' && seconds > hold);
      item.row.classList.toggle('long-wait', item.kind === 'wait' && seconds > wait);
    }
    const observed = new Date(Date.parse(state.document.observedAt) + elapsed * 1000);
    $('observed').textContent = `as of ${observed.toLocaleTimeString()}`;
  }

  function connect() {
    window.clearTimeout(state.retryTimer);
    if (state.source) state.source.close();
    const prefix = $('prefix').value;
    const source = new EventSource(prefix ? `api/events?${new URLSearchParams({ prefix })}` : 'api/events');
    state.source = source;
    setConnection('connecting', 'connecting');
    source.addEventListener('locks', (event) => {
      state.document = JSON.parse(event.data);
      state.receivedAt = performance.now();
      setConnection('live', 'live');
      showError('');
      render();
    });
    source.addEventListener('backend-error', (event) => {
      setConnection('backend-error', 'backend unavailable');
      showError(`Cannot read the backend: ${JSON.parse(event.data).error}`);
    });
    source.addEventListener('error', () => {
      if (state.source !== source) return;
      setConnection('offline', 'reconnecting');
      // The browser retries by itself unless the answer was not an event stream; then try again here.
      if (source.readyState === EventSource.CLOSED) state.retryTimer = window.setTimeout(connect, 2000);
    });
  }

  async function start() {
    try {
      const response = await fetch('api/config', { cache: 'no-store' });
      state.config = await response.json();
    } catch {
      setConnection('offline', 'offline');
      window.setTimeout(start, 2000);
      return;
    }
    const query = new URLSearchParams(location.search);
    $('prefix').value = query.get('prefix') ?? '';
    $('hold').value = query.get('hold') ?? String(state.config.holdThresholdSeconds);
    $('wait').value = query.get('wait') ?? String(state.config.waitThresholdSeconds);
    $('backend').textContent = state.config.backend;

    let debounce = 0;
    $('prefix').addEventListener('input', () => {
      writeUrl();
      render();
      window.clearTimeout(debounce);
      debounce = window.setTimeout(connect, 250);
    });
    for (const id of ['hold', 'wait']) {
      $(id).addEventListener('input', () => { writeUrl(); tick(); });
    }
    $('controls').addEventListener('submit', (event) => event.preventDefault());
    window.setInterval(tick, 1000);
    connect();
  }

  start();
})();
