/**
 * Schema fidelity and the monitoring view, on every driver: the migrated database keeps every
 * seed table, column (name, type, nullability), CHECK value set (declared once), cascading
 * foreign key, index name and table comment of the brief (test/fixtures/seed/), the fixed
 * `contact_sync_success_rate` view returns hand-computed figures, and the candidate lookups
 * read what their indexes are for: a blocking key's lookup one property's contacts, planned
 * without parallel workers; the exact keys' lookups the contacts without blocking keys only.
 * (Over 400 lines as one thing: what the migrated schema is, checked on every driver through
 * one database per suite.)
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockMembers, keyLookups } from "../../lib/adapters/db/candidateReads.js";
import type { Database } from "../../lib/adapters/db/client.js";
import { contactSync, property, user } from "../../lib/adapters/db/schema.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import type { DriverName } from "../../lib/config.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

const seedSql = readFileSync(
  new URL("../fixtures/seed/contact-management-schema.sql", import.meta.url),
  "utf8",
);

interface SeedColumn {
  table: string;
  name: string;
  type: string;
  notNull: boolean;
}

/** Reads the brief's DDL: tables and columns, CHECK sets, FKs, indexes, comments. */
function parseSeed() {
  const columns: SeedColumn[] = [];
  const checks: { table: string; column: string; values: string[]; name: string | null }[] = [];
  const foreignKeys: { table: string; column: string; references: string }[] = [];
  for (const [, table, body] of seedSql.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
    for (const line of (body ?? "").split("\n")) {
      const m = /^\s+(\w+) ([A-Z]+(?:\(\d+\))?)(.*?),?(\s*--.*)?$/.exec(line);
      if (m === null) continue;
      const [, name = "", type = "", rest = ""] = m;
      columns.push({ table: table ?? "", name, type, notNull: /NOT NULL|PRIMARY KEY/.test(rest) });
      const check = /CHECK \((\w+) IN \(([^)]*)\)\)/.exec(rest);
      if (check)
        checks.push({
          table: table ?? "",
          column: check[1] ?? "",
          values: quoted(check[2] ?? ""),
          name: null,
        });
      const fk = /REFERENCES "?(\w+)"?\(id\) ON DELETE CASCADE/.exec(rest);
      if (fk) foreignKeys.push({ table: table ?? "", column: name, references: fk[1] ?? "" });
    }
  }
  for (const [, table, name, column, values] of seedSql.matchAll(
    /ALTER TABLE (\w+) ADD CONSTRAINT (\w+)\s+CHECK \((\w+) IN \(([^)]*)\)\)/g,
  )) {
    checks.push({
      table: table ?? "",
      column: column ?? "",
      values: quoted(values ?? ""),
      name: name ?? null,
    });
  }
  const indexes = [...seedSql.matchAll(/CREATE INDEX (\w+) ON (\w+)\(([^)]*)\)/g)].map(
    ([, name, table, cols]) => ({
      name: name ?? "",
      table: table ?? "",
      columns: (cols ?? "").split(",").map((c) => c.trim()),
    }),
  );
  const comments = [...seedSql.matchAll(/COMMENT ON TABLE (\w+) IS '([^']*)'/g)].map(
    ([, table, text]) => ({
      table: table ?? "",
      text: text ?? "",
    }),
  );
  return { columns, checks, foreignKeys, indexes, comments };
}

function quoted(list: string): string[] {
  return [...list.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? "").sort();
}

const pgTypeOf: Record<
  string,
  (c: { data_type: string; character_maximum_length: number | null }) => boolean
> = {
  UUID: (c) => c.data_type === "uuid",
  TIMESTAMPTZ: (c) => c.data_type === "timestamp with time zone",
  JSONB: (c) => c.data_type === "jsonb",
};

export function describeSchemaContract(driver: DriverName): void {
  describe(`schema on ${driver}`, () => {
    let database: TestDatabase;
    let db: Database;
    const rows = async <T>(query: SQL): Promise<T[]> => {
      const result = (await db.execute(query)) as unknown as { rows: T[] };
      return result.rows;
    };

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      db = database.handle.db;
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    const seed = parseSeed();

    it("reads the brief (guards the parser itself)", () => {
      expect(seed.columns).toHaveLength(18);
      expect(seed.checks).toHaveLength(7);
      expect(seed.foreignKeys).toHaveLength(3);
      expect(seed.indexes.map((i) => i.name)).toEqual([
        "idx_contact_sync_status",
        "idx_contact_matching_rules_property",
        "idx_contact_enrichment_log_contact",
      ]);
    });

    it("keeps every seed column with its type and nullability", async () => {
      const actual = await rows<{
        table_name: string;
        column_name: string;
        data_type: string;
        character_maximum_length: number | null;
        is_nullable: string;
      }>(sql`select table_name, column_name, data_type, character_maximum_length, is_nullable
             from information_schema.columns where table_schema = 'public'`);
      for (const column of seed.columns) {
        const found = actual.find(
          (c) => c.table_name === column.table && c.column_name === column.name,
        );
        expect(found, `${column.table}.${column.name}`).toBeDefined();
        if (found === undefined) continue;
        const varchar = /^VARCHAR\((\d+)\)$/.exec(column.type);
        if (varchar) {
          expect(found.data_type, `${column.table}.${column.name}`).toBe("character varying");
          expect(Number(found.character_maximum_length)).toBe(Number(varchar[1]));
        } else {
          expect(
            pgTypeOf[column.type]?.(found),
            `${column.table}.${column.name} is ${column.type}`,
          ).toBe(true);
        }
        if (column.notNull) expect(found.is_nullable, `${column.table}.${column.name}`).toBe("NO");
      }
    });

    it("declares each seed CHECK exactly once, with the seed's value set and name", async () => {
      const constraints = await rows<{ table_name: string; name: string; definition: string }>(sql`
        select rel.relname as table_name, con.conname as name, pg_get_constraintdef(con.oid) as definition
        from pg_constraint con join pg_class rel on rel.oid = con.conrelid
        join pg_namespace ns on ns.oid = rel.relnamespace
        where con.contype = 'c' and ns.nspname = 'public'`);
      const seedColumns = new Set(seed.checks.map((c) => `${c.table}.${c.column}`));
      for (const key of seedColumns) {
        const [table, column] = key.split(".");
        const onColumn = constraints.filter(
          (c) => c.table_name === table && new RegExp(`\\b${column}\\b`).test(c.definition),
        );
        expect(onColumn, `one CHECK on ${key}`).toHaveLength(1);
        const expected = seed.checks.find((c) => `${c.table}.${c.column}` === key);
        expect(quoted(onColumn[0]?.definition ?? "")).toEqual(expected?.values);
        const named = seed.checks.find((c) => `${c.table}.${c.column}` === key && c.name !== null);
        if (named) expect(onColumn[0]?.name).toBe(named.name);
      }
    });

    it("keeps every seed foreign key with ON DELETE CASCADE", async () => {
      const fks = await rows<{
        table_name: string;
        column_name: string;
        referenced: string;
        on_delete: string;
      }>(sql`
        select rel.relname as table_name, att.attname as column_name, ref.relname as referenced,
               con.confdeltype::text as on_delete
        from pg_constraint con
        join pg_class rel on rel.oid = con.conrelid
        join pg_class ref on ref.oid = con.confrelid
        join pg_attribute att on att.attrelid = con.conrelid and att.attnum = con.conkey[1]
        where con.contype = 'f' and array_length(con.conkey, 1) = 1`);
      for (const fk of seed.foreignKeys) {
        expect(fks, `${fk.table}.${fk.column} → ${fk.references}`).toContainEqual({
          table_name: fk.table,
          column_name: fk.column,
          referenced: fk.references,
          on_delete: "c",
        });
      }
    });

    it("keeps every seed index name on the seed's columns", async () => {
      const indexes = await rows<{ tablename: string; indexname: string; indexdef: string }>(
        sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public'`,
      );
      for (const index of seed.indexes) {
        const found = indexes.find((i) => i.indexname === index.name);
        expect(found?.tablename, index.name).toBe(index.table);
        expect(found?.indexdef).toContain(`(${index.columns.join(", ")})`);
      }
    });

    it("keeps the seed's table comments", async () => {
      for (const comment of seed.comments) {
        const [found] = await rows<{ comment: string | null }>(
          sql`select obj_description(${`public.${comment.table}`}::regclass, 'pg_class') as comment`,
        );
        expect(found?.comment).toBe(comment.text);
      }
    });

    it("leaves room on the contact table's pages for its rows' next versions", async () => {
      // drizzle-kit cannot express a table's storage parameters: migration 0011 sets it.
      const [found] = await rows<{ options: string[] | null }>(
        sql`select reloptions as options from pg_class where oid = 'public."user"'::regclass`,
      );
      expect(found?.options).toEqual(["fillfactor=80"]);
    });

    /**
     * `query`'s plan as JSON text, explained in a transaction of its own with sequential scans
     * off (the tables are small: the index is what is examined, not the planner's choice) and
     * `settings` set to 0; run too when `analyze` (the plan then has the rows each node gave).
     */
    const planOf = async (query: SQL, analyze: boolean, settings: readonly string[] = []) =>
      db.transaction(async (tx) => {
        for (const setting of settings) await tx.execute(sql.raw(`set local ${setting} = 0`));
        await tx.execute(sql`set local enable_seqscan = off`);
        const explained = (await tx.execute(
          sql`explain (${sql.raw(analyze ? "analyze, " : "")}format json) ${query}`,
        )) as unknown as { rows: { "QUERY PLAN": unknown }[] };
        return JSON.stringify(explained.rows[0]?.["QUERY PLAN"]);
      });

    /** The index scans of `query`'s plan, with the rows each returned. */
    const indexScans = async (query: SQL) =>
      [
        ...(await planOf(query, true)).matchAll(
          /"Index Name":\s*"(\w+)"[^}]*?"Actual Rows":\s*(\d+)/gu,
        ),
      ].map(([, index, rows]) => ({ index, rows: Number(rows) }));

    it("looks a blocking key up among one property's contacts only, however many properties share it", async () => {
      const [mine, other] = [randomUUID(), randomUUID()];
      for (const id of [mine, other]) {
        await db.execute(sql`insert into property (id, name) values (${id}, 'Keys')`);
      }
      // A surname's key held by 5 contacts here and 30 at another property (a portfolio's).
      const key = `ln:${randomUUID()}`;
      for (const [id, n] of [
        [mine, 5],
        [other, 30],
      ] as const) {
        await db.execute(sql`insert into "user" (property_id, block_keys)
          select ${id}, array[${key}, 'fn:' || g]::text[] from generate_series(1, ${n}) as g`);
      }
      expect(await indexScans(blockMembers(mine, sql`${key}::text`))).toEqual([
        { index: "idx_user_block_keys_in_property", rows: 5 },
      ]);
      const members = await rows(blockMembers(mine, sql`${key}::text`));
      expect(members).toHaveLength(5);
      await db.execute(sql`delete from property where id in (${mine}, ${other})`);
    });

    it("never plans parallel workers for a blocking-key lookup, however cheap it is told they are", async () => {
      const propertyId = randomUUID();
      await db.execute(sql`insert into property (id, name) values (${propertyId}, 'Parallel')`);
      await db.execute(sql`insert into "user" (property_id, block_keys)
        select ${propertyId}, array['ln:PRL' || (g % 50), 'fn:' || g]::text[]
        from generate_series(1, 2000) as g`);
      const lookups = [
        ...keyLookups(propertyId, {
          keys: { email: null, phones: [], nameDob: null },
          blocks: ["ln:PRL7", "ln:PRL8"],
        }),
        blockMembers(propertyId, sql`${"ln:PRL7"}::text`),
      ];
      for (const lookup of lookups) {
        // A planner that finds workers free (a large table without statistics looked so to it:
        // the lookups are run once per person, and each started two processes).
        const plan = await planOf(lookup, false, [
          "parallel_setup_cost",
          "parallel_tuple_cost",
          "min_parallel_table_scan_size",
          "min_parallel_index_scan_size",
        ]);
        expect(plan).toContain("idx_user_block_keys_in_property");
        expect(plan).not.toMatch(/"Node Type":\s*"Gather|"Parallel Aware":\s*true/u);
      }
      await db.execute(sql`delete from property where id = ${propertyId}`);
    });

    it("looks exact keys up among the contacts without blocking keys only, however many others hold them", async () => {
      const [mine, other] = [randomUUID(), randomUUID()];
      for (const id of [mine, other]) {
        await db.execute(sql`insert into property (id, name) values (${id}, 'Exact keys')`);
      }
      // A call centre's number, a leasing address and a name + birth date on 20 contacts here
      // and 30 at another property, all found by their blocking keys; and on one contact here
      // without any (an older writer's).
      const tag = randomUUID().slice(0, 8);
      const phone = `+1512${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
      const keys = {
        email: `leasing.${tag}@property.dev`,
        phones: [phone],
        nameDob: `a|${tag}|1990-01-01`,
      };
      for (const [id, n] of [
        [mine, 20],
        [other, 30],
      ] as const) {
        await db.execute(sql`insert into "user" (property_id, email_key, phone_keys, name_dob_key, block_keys)
          select ${id}, ${keys.email}, array[${phone}]::text[], ${keys.nameDob}, array['fn:' || g]::text[]
          from generate_series(1, ${n}) as g`);
      }
      const [legacy] = await rows<{ id: string }>(sql`insert into "user"
          (property_id, email_key, phone_keys, name_dob_key)
        values (${mine}, ${keys.email}, array[${phone}]::text[], ${keys.nameDob}) returning id`);
      const lookups = keyLookups(mine, { keys, blocks: [] });
      expect(lookups).toHaveLength(3);
      for (const lookup of lookups) {
        // Whichever of the exact keys' indexes the planner takes (each holds the contacts
        // without blocking keys only), none reads the 50 others.
        const scans = await indexScans(lookup);
        expect(scans.length).toBeGreaterThan(0);
        for (const scan of scans) {
          expect(scan.index).toMatch(/^idx_user_(email_key|phone_keys|name_dob_key)_unblocked$/u);
          expect(scan.rows).toBe(1);
        }
        expect(await rows(lookup)).toEqual([{ id: legacy?.id }]);
      }
      await db.execute(sql`delete from property where id in (${mine}, ${other})`);
    });

    it("accepts a property of just (id, name) and a contact of just (id, property_id)", async () => {
      const propertyId = "0b5c7a52-6a8c-4c3e-9a53-0e7f3f4f3a11";
      const userId = "6a1f9a3e-1c51-4b8e-8d0e-2d8a3c1b9f00";
      await db.execute(
        sql`insert into property (id, name) values (${propertyId}, 'Bare property')`,
      );
      await db.execute(sql`insert into "user" (id, property_id) values (${userId}, ${propertyId})`);
      const [row] = await rows<{ kind: string; phones: unknown }>(
        sql`select kind, phones from "user" where id = ${userId}`,
      );
      expect(row?.kind).toBe("lead");
      await db.execute(sql`delete from property where id = ${propertyId}`);
      expect(await rows(sql`select 1 from "user" where id = ${userId}`)).toHaveLength(0);
    });

    it("the view has the seed's name and columns, and correct per-property figures", async () => {
      const viewColumns = await rows<{ column_name: string }>(sql`
        select column_name from information_schema.columns
        where table_name = 'contact_sync_success_rate' order by ordinal_position`);
      expect(viewColumns.map((c) => c.column_name)).toEqual([
        "property_id",
        "sync_success_rate",
        "merged_contacts",
      ]);

      // Hand-computed fixture. A: 3 contacts, links 3 success + 1 merged + 1 pending + 1 failed
      // → (3 + 1) / 6 = 66.67 %, 1 merged. B: 2 contacts, no links → NULL, 0. C: 2 success and
      // a person that failed before any contact existed (no user) → 2 / 3 = 66.67 %.
      const [a, b, c] = await db
        .insert(property)
        .values([{ name: "View A" }, { name: "View B" }, { name: "View C" }])
        .returning({ id: property.id });
      if (!a || !b || !c) throw new Error("fixture properties not created");
      const contacts = await db
        .insert(user)
        .values([
          { propertyId: a.id },
          { propertyId: a.id },
          { propertyId: a.id },
          { propertyId: b.id },
          { propertyId: b.id },
          { propertyId: c.id },
        ])
        .returning({ id: user.id, propertyId: user.propertyId });
      const [a1, a2, a3, , , c1] = contacts.map((row) => row.id);
      const link = (
        userId: string | undefined,
        propertyId: string,
        status: "success" | "merged" | "pending" | "failed",
        id: string,
      ) => ({
        userId: userId ?? null,
        propertyId,
        syncStatus: status,
        personId: id,
      });
      await db
        .insert(contactSync)
        .values([
          link(a1, a.id, "success", "a-1"),
          link(a1, a.id, "merged", "a-2"),
          link(a2, a.id, "success", "a-3"),
          link(a2, a.id, "pending", "a-4"),
          link(a3, a.id, "success", "a-5"),
          link(a3, a.id, "failed", "a-6"),
          link(c1, c.id, "success", "c-1"),
          link(c1, c.id, "success", "c-2"),
          link(undefined, c.id, "failed", "c-3"),
        ]);
      const figures = await rows<{
        property_id: string;
        sync_success_rate: number | null;
        merged_contacts: number;
      }>(sql`
        select property_id, sync_success_rate, merged_contacts from contact_sync_success_rate
        where property_id in (${a.id}, ${b.id}, ${c.id})`);
      const byId = new Map(figures.map((f) => [f.property_id, f]));
      expect(Number(byId.get(a.id)?.sync_success_rate)).toBeCloseTo((4 / 6) * 100, 10);
      expect(Number(byId.get(a.id)?.merged_contacts)).toBe(1);
      expect(byId.get(b.id)?.sync_success_rate).toBeNull();
      expect(Number(byId.get(b.id)?.merged_contacts)).toBe(0);
      expect(Number(byId.get(c.id)?.sync_success_rate)).toBeCloseTo((2 / 3) * 100, 10);
      expect(Number(byId.get(c.id)?.merged_contacts)).toBe(0);
      // `stats` (the CLI, the console) gives the view's figures exactly, computed its own way.
      const stats = new Map(
        (await createStores(db).reports.stats()).map((row) => [row.propertyId, row]),
      );
      for (const id of [a.id, b.id, c.id]) {
        const view = byId.get(id);
        expect(stats.get(id)?.syncSuccessRate).toBe(
          view?.sync_success_rate === null ? null : Number(view?.sync_success_rate),
        );
        expect(stats.get(id)?.mergedContacts).toBe(Number(view?.merged_contacts));
      }
    });

    it("applying the migrations again changes nothing", async () => {
      await database.handle.migrate();
      const [row] = await rows<{ n: number }>(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      expect(row?.n).toBeGreaterThanOrEqual(2);
    });
  });
}
