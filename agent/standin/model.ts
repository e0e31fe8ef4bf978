/**
 * The Odoo stand-in's data and the PlanSync contract over it, in memory.
 *
 * It implements docs/contract.md as the addon does (validation messages, claim grouping,
 * coalescing, leases, attempts, backoff, dead letters, heartbeat) so that the agent and the demo run
 * on a fresh clone without Odoo. test/contract/ runs the same suite against it and against real
 * Odoo: where they differ, the stand-in is wrong.
 *
 * Calls are atomic (one JavaScript turn each), which is what Odoo's row locks give the addon.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, isCalendarDate, type EndpointKind } from '../../shared-types/index.ts';
import { accessError, checkInt, checkStr, isInt, OdooException, repr, validationError } from './exceptions.ts';
import { enqueueHistory, importBatch, PlanningData, renderPlanning } from './planning.ts';
import { planningSnapshot } from './snapshot.ts';
import { availabilitySnapshot, reportChannel, type StandinDiscrepancy } from './inventory.ts';

export { OdooException } from './exceptions.ts';

export const GROUPS = {
  user: 'plansync.group_plansync_user',
  manager: 'plansync.group_plansync_manager',
  integration: 'plansync.group_plansync_integration',
} as const;

export interface StandinUser {
  readonly id: number;
  readonly login: string;
  readonly apiKey: string;
  readonly groups: readonly string[];
  readonly companies: readonly number[];
}

export interface StandinProduct {
  id: number;
  sku: string | false;
  name: string;
  barcode: string | false;
  active: boolean;
  type: 'product' | 'consu' | 'service';
  standard_price: number;
  list_price: number;
  weight: number;
  volume: number;
}

export interface StandinWarehouse {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly company: number;
}

export interface StockFigures {
  on_hand: number;
  reserved: number;
  incoming: number;
  outgoing: number;
}

export interface StandinEndpoint {
  id: number;
  code: string;
  name: string;
  kind: EndpointKind;
  url: string | false;
  eventTypes: Set<string>;
  warehouseIds: number[];
  company: number;
  active: boolean;
  batchSize: number;
  concurrency: number;
  rateLimit: number;
  timeoutSeconds: number;
  basis: 'on_hand' | 'reserved' | 'free' | 'incoming' | 'outgoing' | 'forecast';
  version: number;
  /** Channel endpoints: the channel's SKU per product id (same unit as Odoo's; the stand-in has no allocation rules). */
  channelSkus: Map<number, string>;
  /** Reconciliation tolerance, in the product's unit. */
  toleranceQty: number;
  /** Since when the endpoint refuses the agent's credentials or configuration (nack `blocked`), or false. */
  blockedSince: number | false;
  blockedReason: string;
  /** The endpoint's chatter: what the addon posts for its followers. */
  messages: string[];
}

export type RowState = 'pending' | 'claimed' | 'done' | 'dead';

export interface OutboxRow {
  readonly id: number;
  readonly type: string;
  readonly endpointId: number;
  readonly model: string;
  readonly resId: number;
  readonly warehouseId: number;
  readonly company: number | false;
  readonly occurredAt: number;
  state: RowState;
  attempts: number;
  nextAttemptAt: number;
  lease: string;
  consumer: string;
  leaseExpiresAt: number;
  headId: number;
  sequence: number;
  payload: Record<string, unknown> | undefined;
  key: string;
  lastError: string;
}

export interface StandinSettings {
  batch_size: number;
  lease_seconds: number;
  max_attempts: number;
  heartbeat_seconds: number;
  poll_seconds: number;
  backoff_base_seconds: number;
  backoff_max_seconds: number;
}

export interface AgentRecord {
  consumer: string;
  lastSeen: number;
  stats: unknown;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class StandinOdoo {
  readonly database = { name: 'standin', uuid: randomUUID() };
  readonly users = new Map<number, StandinUser>();
  readonly companies = new Map<number, string>([[1, 'My Company']]);
  readonly products = new Map<number, StandinProduct>();
  readonly warehouses = new Map<number, StandinWarehouse>();
  readonly stock = new Map<string, StockFigures>();
  readonly endpoints = new Map<number, StandinEndpoint>();
  readonly outbox = new Map<number, OutboxRow>();
  readonly agents = new Map<string, AgentRecord>();
  /** Events handed out per consumer (observability for tests and the demo). */
  readonly claimedBy = new Map<string, number>();
  readonly settings: StandinSettings = {
    batch_size: 100,
    lease_seconds: 60,
    max_attempts: 8,
    heartbeat_seconds: 30,
    poll_seconds: 1,
    backoff_base_seconds: 10,
    backoff_max_seconds: 3600,
  };
  /** Vendors, units, done customer moves, runs, forecasts, proposals and exceptions (planning.ts). */
  readonly planning: PlanningData;
  /** The embedded planner's settings (planning_snapshot): one target service level for every product. */
  readonly planningSettings = { service_level: 0.95 };
  private nextId = 10;
  private nextRowId = 1;
  private nextSequence = 1;
  readonly clock: () => number;
  /** Channel discrepancies recorded by report_channel. */
  readonly discrepancies: StandinDiscrepancy[] = [];

  constructor(clock: () => number = Date.now) {
    this.clock = clock;
    this.planning = new PlanningData(() => this.newId());
  }

  /** A fresh record id (ids are unique across models in the stand-in). */
  newId(): number {
    return this.nextId++;
  }

  now(): number {
    return this.clock();
  }

  // ---- set-up (what an admin or a business user does in Odoo) ----

  addUser(login: string, groups: readonly string[], companies: readonly number[] = [1]): StandinUser {
    const user = { id: this.nextId++, login, apiKey: randomUUID().replaceAll('-', ''), groups, companies };
    this.users.set(user.id, user);
    return user;
  }

  addCompany(name: string): number {
    const id = this.nextId++;
    this.companies.set(id, name);
    return id;
  }

  addWarehouse(code: string, name: string, company = 1): StandinWarehouse {
    const warehouse = { id: this.nextId++, code, name, company };
    this.warehouses.set(warehouse.id, warehouse);
    this.capture('warehouse.changed', 'stock.warehouse', warehouse.id, 0, company);
    return warehouse;
  }

  addEndpoint(values: Partial<StandinEndpoint> & Pick<StandinEndpoint, 'code'>): StandinEndpoint {
    const endpoint: StandinEndpoint = {
      id: this.nextId++,
      name: values.code,
      kind: 'webhook',
      url: false,
      eventTypes: new Set(EVENT_TYPES),
      warehouseIds: [],
      company: 1,
      active: true,
      batchSize: 50,
      concurrency: 2,
      rateLimit: 0,
      timeoutSeconds: 30,
      basis: 'free',
      version: 1,
      channelSkus: new Map(),
      toleranceQty: 0,
      blockedSince: false,
      blockedReason: '',
      messages: [],
      ...values,
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  addProduct(values: Partial<StandinProduct> & Pick<StandinProduct, 'name'>): StandinProduct {
    const product: StandinProduct = {
      id: this.nextId++,
      sku: false,
      barcode: false,
      active: true,
      type: 'product',
      standard_price: 0,
      list_price: 0,
      weight: 0,
      volume: 0,
      ...values,
    };
    this.products.set(product.id, product);
    this.capture('product.changed', 'product.product', product.id, 0, false);
    return product;
  }

  /** A product change as a user makes it: captured for every subscribed endpoint. */
  changeProduct(id: number, values: Partial<Omit<StandinProduct, 'id'>>): void {
    const product = this.products.get(id);
    if (!product) throw new Error(`no product ${id}`);
    Object.assign(product, values);
    this.capture('product.changed', 'product.product', id, 0, false);
  }

  deleteProduct(id: number): void {
    const product = this.products.get(id);
    if (!product) throw new Error(`no product ${id}`);
    const key = this.skuOf(product);
    this.products.delete(id);
    this.capture('product.deleted', 'product.product', id, 0, false, { id, key });
  }

  /** A stock movement: changes some figures of a product in a warehouse. */
  moveStock(productId: number, warehouseId: number, delta: Partial<StockFigures>): void {
    const figures = this.figures(productId, warehouseId);
    for (const [k, v] of Object.entries(delta) as Array<[keyof StockFigures, number]>) figures[k] += v;
    this.capture('stock.level', 'product.product', productId, warehouseId, this.warehouses.get(warehouseId)?.company ?? 1);
  }

  figures(productId: number, warehouseId: number): StockFigures {
    const key = `${productId}:${warehouseId}`;
    let figures = this.stock.get(key);
    if (!figures) {
      figures = { on_hand: 0, reserved: 0, incoming: 0, outgoing: 0 };
      this.stock.set(key, figures);
    }
    return figures;
  }

  /** Capture: one pending row per subscribed active endpoint of the right company (and warehouse). */
  capture(
    type: string,
    model: string,
    resId: number,
    warehouseId: number,
    company: number | false,
    deleted?: { id: number; key: string },
  ): number[] {
    const ids: number[] = [];
    for (const endpoint of this.endpoints.values()) {
      if (!this.subscribes(endpoint, type, warehouseId, company)) continue;
      ids.push(this.addRow(endpoint, type, model, resId, warehouseId, company, deleted));
    }
    return ids;
  }

  /** Whether a change of this type, warehouse and company is captured for `endpoint`. */
  subscribes(endpoint: StandinEndpoint, type: string, warehouseId: number, company: number | false): boolean {
    if (!endpoint.active || !endpoint.eventTypes.has(type)) return false;
    if (company !== false && endpoint.company !== company) return false;
    return !(warehouseId && endpoint.warehouseIds.length > 0 && !endpoint.warehouseIds.includes(warehouseId));
  }

  /** One pending outbox row for one endpoint; returns its id. */
  addRow(
    endpoint: StandinEndpoint,
    type: string,
    model: string,
    resId: number,
    warehouseId: number,
    company: number | false,
    deleted?: { id: number; key: string },
  ): number {
    const now = this.clock();
    const row: OutboxRow = {
      id: this.nextRowId++,
      type,
      endpointId: endpoint.id,
      model,
      resId,
      warehouseId,
      company,
      occurredAt: now,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lease: '',
      consumer: '',
      leaseExpiresAt: 0,
      headId: 0,
      sequence: 0,
      payload: deleted,
      key: deleted?.key ?? '',
      lastError: '',
    };
    this.outbox.set(row.id, row);
    return row.id;
  }

  // ---- the contract ----

  requireIntegration(user: StandinUser): void {
    if (!user.groups.includes(GROUPS.integration)) {
      throw accessError(
        `You are not allowed to call PlanSync's integration methods: user ${JSON.stringify(user.login)} is not in the group PlanSync / Integration.`,
      );
    }
  }

  endpointByCode(user: StandinUser, code: string): StandinEndpoint {
    const endpoint = [...this.endpoints.values()].find((e) => e.code === code && e.active && user.companies.includes(e.company));
    if (!endpoint) throw validationError(`endpoint ${JSON.stringify(code)} does not exist or is not active`);
    return endpoint;
  }

  claim(
    user: StandinUser,
    endpointCode: unknown,
    limit: unknown,
    leaseSeconds: unknown,
    consumer: unknown,
  ): { lease: string; events: unknown[] } {
    this.requireIntegration(user);
    checkStr('endpoint', endpointCode, 1, 64);
    checkInt('limit', limit, 1, 1000);
    checkInt('lease_seconds', leaseSeconds, 1, 3600);
    checkStr('consumer', consumer, 1, 128);
    const endpoint = this.endpointByCode(user, endpointCode);
    const now = this.clock();
    const rows = [...this.outbox.values()].filter((r) => r.endpointId === endpoint.id);
    const groupKey = (r: OutboxRow) => `${r.model}|${r.resId}|${r.warehouseId}`;
    // An aggregate in flight, or with a row waiting for its backoff, waits as one (the addon's group_claimable).
    const inFlight = new Set(
      rows
        .filter((r) => (r.state === 'claimed' && r.leaseExpiresAt >= now) || (r.state === 'pending' && r.nextAttemptAt > now))
        .map(groupKey),
    );
    const claimable = rows.filter(
      (r) =>
        ((r.state === 'pending' && r.nextAttemptAt <= now) || (r.state === 'claimed' && r.leaseExpiresAt < now)) &&
        !inFlight.has(groupKey(r)),
    );
    const groups = new Map<string, OutboxRow[]>();
    for (const row of claimable.sort((a, b) => a.id - b.id)) {
      const key = groupKey(row);
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const lease = randomUUID();
    const events: unknown[] = [];
    for (const group of groups.values()) {
      if (events.length >= limit) break;
      if (group.some((r) => r.state === 'claimed' && r.attempts >= this.settings.max_attempts)) {
        for (const r of group) this.kill(r, `lease expired ${r.attempts} times without ack or nack`);
        continue;
      }
      const head = group[group.length - 1] as OutboxRow;
      let payload: Record<string, unknown>;
      let key: string;
      try {
        ({ payload, key } = this.render(head, endpoint, now));
      } catch (error) {
        for (const r of group) this.kill(r, (error as Error).message);
        continue;
      }
      head.sequence = this.nextSequence++;
      head.payload = payload;
      for (const r of group) {
        r.state = 'claimed';
        r.lease = lease;
        r.consumer = consumer;
        r.leaseExpiresAt = now + leaseSeconds * 1000;
        r.headId = head.id;
        r.attempts += 1;
        r.key = key;
      }
      const company = head.company === false ? false : { id: head.company, name: this.companies.get(head.company) ?? '' };
      events.push({
        id: head.id,
        type: head.type,
        endpoint: endpoint.code,
        aggregate: { model: head.model, id: head.resId, key },
        company,
        occurred_at: iso(head.occurredAt),
        sequence: head.sequence,
        schema: 1,
        coalesced: group.length,
        attempt: head.attempts,
        payload,
      });
    }
    if (events.length > 0) this.claimedBy.set(consumer, (this.claimedBy.get(consumer) ?? 0) + events.length);
    return { lease: events.length > 0 ? lease : '', events };
  }

  /** Rows held under `lease` for these head ids, of endpoints of the caller's companies (another company's user holding the token gets none). */
  private held(user: StandinUser, lease: unknown, eventIds: unknown): OutboxRow[] {
    checkStr('lease', lease, 1, 64);
    if (!Array.isArray(eventIds) || eventIds.length > 10_000 || !eventIds.every(isInt))
      throw validationError(`event_ids must be a list of at most 10000 integers, got ${repr(eventIds)}`);
    const heads = new Set(eventIds);
    return [...this.outbox.values()].filter(
      (r) =>
        r.state === 'claimed' &&
        r.lease === lease &&
        heads.has(r.headId) &&
        user.companies.includes(this.endpoints.get(r.endpointId)?.company ?? -1),
    );
  }

  ack(user: StandinUser, lease: unknown, eventIds: unknown): number {
    this.requireIntegration(user);
    const rows = this.held(user, lease, eventIds);
    for (const r of rows) r.state = 'done';
    for (const endpoint of this.endpointsOf(rows)) {
      if (endpoint.blockedSince === false) continue;
      endpoint.messages.push(`Deliveries to this endpoint resumed (paused since ${iso(endpoint.blockedSince)} UTC).`);
      endpoint.blockedSince = false;
      endpoint.blockedReason = '';
    }
    return new Set(rows.map((r) => r.headId)).size;
  }

  nack(
    user: StandinUser,
    lease: unknown,
    eventIds: unknown,
    error: unknown,
    retryAfter: unknown,
    final: unknown = false,
    blocked: unknown = false,
    released: unknown = false,
  ): number {
    this.requireIntegration(user);
    if (typeof error !== 'string') throw validationError(`error must be a string, got ${repr(error)}`);
    if (typeof retryAfter !== 'number' || !Number.isFinite(retryAfter) || retryAfter < 0 || retryAfter > 86_400 * 30) {
      throw validationError(`retry_after must be a number of seconds from 0 to 2592000, got ${repr(retryAfter)}`);
    }
    if (typeof final !== 'boolean') throw validationError(`final must be a boolean, got ${repr(final)}`);
    if (typeof blocked !== 'boolean') throw validationError(`blocked must be a boolean, got ${repr(blocked)}`);
    if (typeof released !== 'boolean') throw validationError(`released must be a boolean, got ${repr(released)}`);
    if (Number(final) + Number(blocked) + Number(released) > 1)
      throw validationError(
        "final, blocked and released exclude each other (the endpoint refused the events for good, or the agent's credentials, " +
          `or the events were never tried), got final=${repr(final)}, blocked=${repr(blocked)}, released=${repr(released)}`,
      );
    const rows = this.held(user, lease, eventIds);
    const now = this.clock();
    // as the addon's tools.storable: NUL and lone surrogates kept visible as U+FFFD
    const reason = error.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd').slice(0, 4000);
    if (blocked || released) {
      // Not the events' fault (the endpoint refused the agent's credentials or configuration, or the agent never
      // tried them): the attempt is given back, never a dead letter.
      for (const r of rows) {
        r.state = 'pending';
        r.lease = '';
        r.attempts = Math.max(0, r.attempts - 1);
        r.nextAttemptAt = now + (retryAfter > 0 ? retryAfter : this.settings.backoff_base_seconds) * 1000;
        r.lastError = reason;
      }
      for (const endpoint of blocked ? this.endpointsOf(rows) : []) {
        if (endpoint.blockedSince === false) {
          endpoint.blockedSince = now;
          endpoint.messages.push(
            `Deliveries to this endpoint are paused: it refuses the agent's credentials or configuration (${reason}).`,
          );
        }
        endpoint.blockedReason = reason;
      }
      return new Set(rows.map((r) => r.headId)).size;
    }
    for (const r of rows) {
      if (final || r.attempts >= this.settings.max_attempts) {
        this.kill(r, reason);
        continue;
      }
      const backoff = Math.min(this.settings.backoff_max_seconds, this.settings.backoff_base_seconds * 2 ** Math.max(0, r.attempts - 1));
      r.state = 'pending';
      r.lease = '';
      r.nextAttemptAt = now + (retryAfter > 0 ? retryAfter : backoff) * 1000;
      r.lastError = reason;
    }
    return new Set(rows.map((r) => r.headId)).size;
  }

  private endpointsOf(rows: readonly OutboxRow[]): StandinEndpoint[] {
    return [...new Set(rows.map((r) => r.endpointId))]
      .map((id) => this.endpoints.get(id))
      .filter((e): e is StandinEndpoint => e !== undefined);
  }

  heartbeat(user: StandinUser, consumer: unknown, stats: unknown): Record<string, unknown> {
    this.requireIntegration(user);
    checkStr('consumer', consumer, 1, 128);
    const { mode } = validateStats(stats);
    const now = this.clock();
    if (mode !== 'check') this.agents.set(consumer, { consumer, lastSeen: now, stats });
    const endpoints = [...this.endpoints.values()]
      .filter((e) => e.active && user.companies.includes(e.company))
      .map((e) => {
        const rows = [...this.outbox.values()].filter((r) => r.endpointId === e.id);
        const pending = rows.filter((r) => r.state === 'pending' || r.state === 'claimed');
        const oldest = Math.min(...pending.map((r) => r.occurredAt));
        return {
          code: e.code,
          name: e.name,
          kind: e.kind,
          url: e.url,
          event_types: [...e.eventTypes].sort(),
          company: e.company,
          batch_size: e.batchSize,
          concurrency: e.concurrency,
          rate_limit: e.rateLimit,
          timeout_seconds: e.timeoutSeconds,
          warehouses: this.endpointWarehouses(e).map((w) => w.code),
          pending: pending.length,
          dead: rows.filter((r) => r.state === 'dead').length,
          lag_seconds: pending.length > 0 ? Math.max(0, (now - oldest) / 1000) : 0,
          blocked_since: e.blockedSince === false ? false : iso(e.blockedSince),
          blocked_reason: e.blockedReason,
        };
      });
    const s = this.settings;
    return {
      addon_version: '17.0.1.0.0',
      server_time: iso(now),
      database: this.database,
      user: {
        id: user.id,
        login: user.login,
        groups: user.groups.filter((g) => g.startsWith('plansync.')),
        companies: [...user.companies],
      },
      // as Odoo 17 reports them: keys without expiry
      api_keys: [{ name: `${user.login} key`, expires: false }],
      settings: {
        batch_size: s.batch_size,
        lease_seconds: s.lease_seconds,
        max_attempts: s.max_attempts,
        heartbeat_seconds: s.heartbeat_seconds,
        poll_seconds: s.poll_seconds,
      },
      endpoints,
    };
  }

  // ---- manager actions ----

  retry(rowId: number): void {
    const row = this.outbox.get(rowId);
    if (!row || row.state !== 'dead') throw validationError(`outbox row ${rowId} is not a dead letter`);
    Object.assign(row, { state: 'pending', attempts: 0, nextAttemptAt: this.clock(), lease: '', lastError: row.lastError });
  }

  /** Counts of rows per state, for one endpoint code or all. */
  countByState(code?: string): Record<RowState, number> {
    const endpoint = code ? [...this.endpoints.values()].find((e) => e.code === code) : undefined;
    const counts: Record<RowState, number> = { pending: 0, claimed: 0, done: 0, dead: 0 };
    for (const r of this.outbox.values()) if (!endpoint || r.endpointId === endpoint.id) counts[r.state] += 1;
    return counts;
  }

  private kill(row: OutboxRow, reason: string): void {
    row.state = 'dead';
    row.lastError = reason;
    row.lease = '';
  }

  /** The warehouses an endpoint covers: its own, else all of its company's, by id. */
  endpointWarehouses(endpoint: StandinEndpoint): StandinWarehouse[] {
    return [...this.warehouses.values()]
      .filter((w) => (endpoint.warehouseIds.length > 0 ? endpoint.warehouseIds.includes(w.id) : w.company === endpoint.company))
      .sort((a, b) => a.id - b.id);
  }

  /** The `stock.level` payload of a product × warehouse by an endpoint's definition (no allocation rules in the stand-in). */
  stockLevel(endpoint: StandinEndpoint, p: StandinProduct, w: StandinWarehouse, now: number): Record<string, unknown> {
    const f = this.figures(p.id, w.id);
    const free = f.on_hand - f.reserved;
    const forecast = f.on_hand + f.incoming - f.outgoing;
    const all = { on_hand: f.on_hand, reserved: f.reserved, free, incoming: f.incoming, outgoing: f.outgoing, forecast };
    const available = all[endpoint.basis];
    const channelSku = endpoint.channelSkus.get(p.id);
    return {
      product: { id: p.id, sku: this.skuOf(p) },
      warehouse: { id: w.id, code: w.code },
      uom: { id: 1, name: 'Units' },
      ...all,
      basis_quantity: all[endpoint.basis],
      available,
      definition: {
        id: endpoint.id,
        endpoint: endpoint.code,
        version: endpoint.version,
        basis: endpoint.basis,
        horizon_days: 0,
        included_location_ids: [],
        excluded_location_ids: [],
      },
      allocation: false,
      channel: channelSku ? { sku: channelSku, uom: 'Units', quantity: Math.max(0, Math.floor(available)) } : false,
      computed_at: iso(now),
    };
  }

  /** A product's business key: its Internal Reference, or `product.product:<id>`. */
  skuOf(product: StandinProduct): string {
    return product.sku || `product.product:${product.id}`;
  }

  private render(row: OutboxRow, endpoint: StandinEndpoint, now: number): { payload: Record<string, unknown>; key: string } {
    if (row.type.endsWith('.deleted')) {
      if (!row.payload) throw new Error(`deleted event ${row.id} has no recorded key`);
      return { payload: row.payload, key: row.key };
    }
    switch (row.type) {
      case 'product.changed': {
        const p = this.products.get(row.resId);
        if (!p) throw new Error(`record product.product(${row.resId}) no longer exists`);
        const units = { id: 1, name: 'Units' };
        return {
          key: this.skuOf(p),
          payload: {
            id: p.id,
            sku: this.skuOf(p),
            name: p.name,
            barcode: p.barcode,
            active: p.active,
            type: p.type,
            tracking: 'none',
            category: { id: 1, name: 'All' },
            uom: units,
            purchase_uom: units,
            sale_ok: true,
            purchase_ok: true,
            weight: p.weight,
            volume: p.volume,
            standard_price: p.standard_price,
            list_price: p.list_price,
            currency: 'USD',
            company: false,
          },
        };
      }
      case 'warehouse.changed': {
        const w = this.warehouses.get(row.resId);
        if (!w) throw new Error(`record stock.warehouse(${row.resId}) no longer exists`);
        return {
          key: w.code,
          payload: {
            id: w.id,
            code: w.code,
            name: w.name,
            active: true,
            company: w.company,
            view_location_id: false,
            stock_location_id: false,
            address: this.companies.get(w.company) ?? false,
          },
        };
      }
      case 'stock.level': {
        const p = this.products.get(row.resId);
        const w = this.warehouses.get(row.warehouseId);
        if (!p || !w) throw new Error(`record product.product(${row.resId}) or stock.warehouse(${row.warehouseId}) no longer exists`);
        return { key: `${this.skuOf(p)}@${w.code}`, payload: this.stockLevel(endpoint, p, w, now) };
      }
      default: {
        const rendered = renderPlanning(this, row);
        if (!rendered) throw new Error(`the stand-in cannot render ${row.type}`);
        return rendered;
      }
    }
  }

  // ---- dispatch (what Odoo's execute_kw does) ----

  /** Call `model.method` as `user` with positional and keyword arguments (Python's calling rules). */
  execute(user: StandinUser, model: string, method: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): unknown {
    const signature = METHODS[`${model}.${method}`];
    if (!signature) {
      if (!MODELS.has(model)) throw new OdooException('odoo.exceptions.UserError', `Object ${model} doesn't exist`);
      throw new OdooException('builtins.AttributeError', `The method '${method}' does not exist on the model '${model}'`);
    }
    const values = bindArguments(signature.params, args, kwargs, `${model}.${method}`);
    return signature.call(this, user, values);
  }
}

const MAX_INT = 2 ** 31 - 1;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
/** Python's dict.get: the default only when the key is absent (a null stays null). */
const get = (object: Record<string, unknown>, key: string, fallback: unknown): unknown => (key in object ? object[key] : fallback);
const invalid = (name: string, rule: string, value: unknown) => validationError(`${name} must be ${rule}, got ${repr(value)}`);
const count = (name: string, value: unknown): void => {
  if (!isInt(value) || value < 0 || value > MAX_INT) throw invalid(name, `an integer from 0 to ${MAX_INT}`, value);
};
/** An ISO 8601 time or false, as the addon reads it (a real instant within the years 1 to 9999 in UTC). */
const time = (name: string, value: unknown): void => {
  if (value === false || value === null || value === undefined || value === '') return;
  const ok = typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) && isCalendarTime(value);
  if (!ok) throw invalid(name, 'an ISO 8601 time YYYY-MM-DDTHH:MM:SSZ or false', value);
};
const isCalendarTime = (value: string): boolean => {
  const [date = '', rest = ''] = value.split('T');
  const utc = new Date(Date.parse(value)).getUTCFullYear();
  return (
    isCalendarDate(date) &&
    Number(rest.slice(0, 2)) < 24 &&
    Number(rest.slice(3, 5)) < 60 &&
    Number(rest.slice(6, 8)) < 60 &&
    utc >= 1 &&
    utc <= 9999
  );
};

/** The heartbeat's `stats`, checked as the addon's plansync.agent._validate_stats does (errors name the path). */
const validateStats = (stats: unknown): { mode: 'run' | 'once' | 'check' } => {
  if (!isObject(stats)) throw invalid('stats', 'an object', stats);
  const mode = get(stats, 'mode', 'run');
  if (mode !== 'run' && mode !== 'once' && mode !== 'check') throw invalid('stats.mode', 'one of run, once, check', mode);
  for (const [key, size] of [
    ['version', 64],
    ['host', 255],
  ] as const) {
    const value = get(stats, key, '');
    if (typeof value !== 'string' || [...value].length > size)
      throw invalid(`stats.${key}`, `a string of at most ${size} characters`, value);
  }
  count('stats.pid', get(stats, 'pid', 0));
  time('stats.started_at', get(stats, 'started_at', false));
  const endpoints = get(stats, 'endpoints', {});
  if (!isObject(endpoints)) throw invalid('stats.endpoints', 'an object keyed by endpoint code', endpoints);
  for (const [code, item] of Object.entries(endpoints)) {
    const prefix = `stats.endpoints.${code}`;
    if (!isObject(item)) throw invalid(prefix, 'an object', item);
    for (const key of ['delivered', 'failed', 'parked']) count(`${prefix}.${key}`, get(item, key, 0));
    const perMinute = get(item, 'per_minute', 0);
    if (typeof perMinute !== 'number' || !(perMinute >= 0 && perMinute < 1e12))
      throw invalid(`${prefix}.per_minute`, 'a number from 0', perMinute);
    const lastError = get(item, 'last_error', '');
    if (lastError !== false && typeof lastError !== 'string') throw invalid(`${prefix}.last_error`, 'a string', lastError);
    time(`${prefix}.last_delivery_at`, get(item, 'last_delivery_at', false));
  }
  return { mode };
};

interface Signature {
  readonly params: ReadonlyArray<{ readonly name: string; readonly default?: unknown }>;
  readonly call: (odoo: StandinOdoo, user: StandinUser, values: unknown[]) => unknown;
}

const MODELS = new Set([
  'plansync.outbox',
  'plansync.agent',
  'plansync.endpoint',
  'plansync.event.type',
  'plansync.agent.line',
  'plansync.run',
  'plansync.discrepancy',
]);

const METHODS: Record<string, Signature> = {
  'plansync.outbox.claim': {
    params: [{ name: 'endpoint' }, { name: 'limit' }, { name: 'lease_seconds' }, { name: 'consumer' }],
    call: (o, u, [e, l, s, c]) => o.claim(u, e, l, s, c),
  },
  'plansync.outbox.ack': { params: [{ name: 'lease' }, { name: 'event_ids' }], call: (o, u, [l, ids]) => o.ack(u, l, ids) },
  'plansync.outbox.nack': {
    params: [
      { name: 'lease' },
      { name: 'event_ids' },
      { name: 'error' },
      { name: 'retry_after' },
      { name: 'final', default: false },
      { name: 'blocked', default: false },
      { name: 'released', default: false },
    ],
    call: (o, u, [l, ids, e, r, f, b, rel]) => o.nack(u, l, ids, e, r, f, b, rel),
  },
  'plansync.agent.heartbeat': { params: [{ name: 'consumer' }, { name: 'stats' }], call: (o, u, [c, s]) => o.heartbeat(u, c, s) },
  'plansync.outbox.enqueue_history': {
    params: [{ name: 'endpoint' }, { name: 'kind' }, { name: 'since' }, { name: 'cursor' }, { name: 'limit' }],
    call: (o, u, [e, k, s, c, l]) => enqueueHistory(o, u, e, k, s, c, l),
  },
  'plansync.run.import_batch': {
    params: [
      { name: 'source' },
      { name: 'external_ref' },
      { name: 'kind' },
      { name: 'lines' },
      { name: 'generated_at', default: false },
      { name: 'rejected', default: false },
    ],
    call: (o, u, [s, r, k, l, g, x]) => importBatch(o, u, s, r, k, l, g, x),
  },
  'plansync.endpoint.availability_snapshot': {
    params: [{ name: 'endpoint' }, { name: 'warehouses' }, { name: 'offset' }, { name: 'limit' }],
    call: (o, u, [e, w, off, l]) => availabilitySnapshot(o, u, e, w, off, l),
  },
  'plansync.discrepancy.report_channel': {
    params: [{ name: 'endpoint' }, { name: 'items' }],
    call: (o, u, [e, i]) => reportChannel(o, u, e, i),
  },
  'plansync.run.planning_snapshot': {
    params: [{ name: 'warehouses' }, { name: 'weeks' }, { name: 'offset' }, { name: 'limit' }],
    call: (o, u, [w, n, off, l]) => planningSnapshot(o, u, w, n, off, l),
  },
};

/** Python's argument binding: positional first, then keywords; a missing or doubled argument is a TypeError. */
const bindArguments = (
  params: Signature['params'],
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
  where: string,
): unknown[] => {
  const typeError = (message: string) => new OdooException('builtins.TypeError', `${where}() ${message}`);
  if (args.length > params.length) throw typeError(`takes ${params.length} positional arguments but ${args.length} were given`);
  const known = new Set(params.map((p) => p.name));
  for (const name of Object.keys(kwargs)) {
    if (name === 'context') continue;
    if (!known.has(name)) throw typeError(`got an unexpected keyword argument '${name}'`);
  }
  return params.map((param, index) => {
    if (index < args.length) {
      if (param.name in kwargs) throw typeError(`got multiple values for argument '${param.name}'`);
      return args[index];
    }
    if (param.name in kwargs) return kwargs[param.name];
    if ('default' in param) return param.default;
    throw typeError(`missing 1 required positional argument: '${param.name}'`);
  });
};
