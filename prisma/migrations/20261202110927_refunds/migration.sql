-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('REQUESTED', 'PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'REJECTED');

-- CreateEnum
CREATE TYPE "RefundOrigin" AS ENUM ('CONSOLE', 'WECHAT');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "PaymentExceptionKind" ADD VALUE 'REFUND_NOT_COVERED';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'REFUND_MISMATCH';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'REFUND_NOT_RECORDED';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'REFUND_ABNORMAL';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'REFUND_STUCK';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerEntryKind" ADD VALUE 'REFUND';
ALTER TYPE "LedgerEntryKind" ADD VALUE 'REFUND_RETURN';

-- AlterTable
ALTER TABLE "payment_orders" ADD COLUMN     "refunded_fen" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ledger_entries" ADD COLUMN     "refund_id" UUID;

-- AlterTable
ALTER TABLE "payment_notifications" ADD COLUMN     "out_refund_no" VARCHAR(64);

-- CreateTable
CREATE TABLE "refunds" (
    "id" UUID NOT NULL,
    "out_refund_no" VARCHAR(64) NOT NULL,
    "order_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "amount_fen" INTEGER NOT NULL,
    "reason" VARCHAR(80),
    "status" "RefundStatus" NOT NULL DEFAULT 'REQUESTED',
    "origin" "RefundOrigin" NOT NULL DEFAULT 'CONSOLE',
    "held" BOOLEAN NOT NULL DEFAULT true,
    "wechat_refund_id" VARCHAR(32),
    "idempotency_key" VARCHAR(64),
    "requested_by" UUID,
    "failure_reason" TEXT,
    "next_check_at" TIMESTAMPTZ(3) DEFAULT (now() + '00:00:30'::interval),
    "check_attempts" INTEGER NOT NULL DEFAULT 0,
    "succeeded_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_status_changes" (
    "id" BIGSERIAL NOT NULL,
    "order_id" UUID NOT NULL,
    "from_status" "OrderStatus",
    "to_status" "OrderStatus" NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_status_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "wechat_queries" (
    "id" BIGSERIAL NOT NULL,
    "order_id" UUID NOT NULL,
    "answer" VARCHAR(64) NOT NULL,
    "asked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wechat_queries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "admin_actions" (
    "id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "target" VARCHAR(64) NOT NULL,
    "details" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_actions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "refunds_out_refund_no_key" ON "refunds"("out_refund_no");

-- CreateIndex
CREATE UNIQUE INDEX "refunds_wechat_refund_id_key" ON "refunds"("wechat_refund_id");

-- CreateIndex
CREATE INDEX "refunds_order_id_created_at_idx" ON "refunds"("order_id", "created_at");

-- CreateIndex
CREATE INDEX "refunds_next_check_at_idx" ON "refunds"("next_check_at");

-- CreateIndex
CREATE UNIQUE INDEX "refunds_order_id_idempotency_key_key" ON "refunds"("order_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "order_status_changes_order_id_changed_at_idx" ON "order_status_changes"("order_id", "changed_at");

-- CreateIndex
CREATE INDEX "wechat_queries_order_id_asked_at_idx" ON "wechat_queries"("order_id", "asked_at");

-- CreateIndex
CREATE INDEX "admin_actions_created_at_idx" ON "admin_actions"("created_at");

-- CreateIndex
CREATE INDEX "admin_actions_target_created_at_idx" ON "admin_actions"("target", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entries_refund_id_kind_key" ON "ledger_entries"("refund_id", "kind");

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_refund_id_fkey" FOREIGN KEY ("refund_id") REFERENCES "refunds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "payment_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_requested_by_fkey" FOREIGN KEY ("requested_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_status_changes" ADD CONSTRAINT "order_status_changes_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "payment_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wechat_queries" ADD CONSTRAINT "wechat_queries_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "payment_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "admin_actions" ADD CONSTRAINT "admin_actions_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Money invariants of refunds (added by hand; see the Refund model). Enum values added above can't be
-- used as enum literals in this same transaction: checks compare them as text, and the functions below
-- only resolve them when they run.

ALTER TABLE "payment_orders" ADD CONSTRAINT "payment_orders_refunded_within_amount" CHECK (
  "refunded_fen" >= 0 AND "refunded_fen" <= "amount_fen"
);
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_amount_fen_positive" CHECK ("amount_fen" > 0);
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_check_attempts_nonnegative" CHECK ("check_attempts" >= 0);
-- Only a refund made at WeChat may go unheld (the balance couldn't cover it); ours are held first.
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_console_refunds_are_held" CHECK ("origin"::text = 'WECHAT' OR "held");
-- A final refund is nobody's business any more (ABNORMAL isn't final: WeChat may still pay it out).
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_final_leaves_sweep" CHECK (
  "status"::text IN ('REQUESTED', 'PROCESSING', 'ABNORMAL') OR "next_check_at" IS NULL
);

-- Each ledger entry points at what caused it: an order, a merge or a refund, with the sign that fits.
ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_kind_matches_reference";
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_kind_matches_reference" CHECK (
  ("kind"::text = 'RECHARGE' AND "order_id" IS NOT NULL AND "merge_id" IS NULL AND "refund_id" IS NULL AND "amount_fen" > 0)
  OR ("kind"::text = 'MERGE_OUT' AND "merge_id" IS NOT NULL AND "order_id" IS NULL AND "refund_id" IS NULL AND "amount_fen" <= 0)
  OR ("kind"::text = 'MERGE_IN' AND "merge_id" IS NOT NULL AND "order_id" IS NULL AND "refund_id" IS NULL AND "amount_fen" >= 0)
  OR ("kind"::text = 'REFUND' AND "refund_id" IS NOT NULL AND "order_id" IS NULL AND "merge_id" IS NULL AND "amount_fen" < 0)
  OR ("kind"::text = 'REFUND_RETURN' AND "refund_id" IS NOT NULL AND "order_id" IS NULL AND "merge_id" IS NULL AND "amount_fen" > 0)
);

-- A refund's ledger entries move the balance themselves: a hold can't be recorded without being taken
-- (and accounts_balance_fen_nonnegative refuses one the balance can't cover), nor given back without
-- being credited. They are never changed or deleted afterwards.
CREATE FUNCTION "ledger_refund_moves_balance"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'refund ledger entries are never changed or deleted (entry %)', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE "accounts" SET "balance_fen" = "balance_fen" + NEW."amount_fen", "updated_at" = now()
  WHERE "id" = NEW."account_id";
  RETURN NEW;
END
$$;
CREATE TRIGGER "ledger_refund_moves_balance" AFTER INSERT ON "ledger_entries"
  FOR EACH ROW WHEN (NEW."kind"::text IN ('REFUND', 'REFUND_RETURN'))
  EXECUTE FUNCTION "ledger_refund_moves_balance"();
CREATE TRIGGER "ledger_refund_entries_are_final" BEFORE UPDATE OR DELETE ON "ledger_entries"
  FOR EACH ROW WHEN (OLD."kind"::text IN ('REFUND', 'REFUND_RETURN'))
  EXECUTE FUNCTION "ledger_refund_moves_balance"();

-- What a refund may become: only a paid order is refunded; its amount, order, account and number never
-- change; a final status (SUCCESS, CLOSED, REJECTED) never changes; REJECTED (WeChat never took it) only
-- comes from REQUESTED; an unheld refund may become held (an operator debits it after checking), never
-- the reverse. And payment_orders.refunded_fen follows every refund that counts (all but CLOSED and
-- REJECTED), so that payment_orders_refunded_within_amount caps the sum. Nothing else writes
-- refunded_fen (payment_orders_refunded_by_refunds_only).
CREATE FUNCTION "refunds_guard"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  "returned" TEXT[] := ARRAY['CLOSED', 'REJECTED'];
  "delta" INTEGER := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM "payment_orders" WHERE "id" = NEW."order_id" AND "status"::text = 'PAID') THEN
      RAISE EXCEPTION 'refund % refused: order % is not paid', NEW."out_refund_no", NEW."order_id"
        USING ERRCODE = 'check_violation';
    END IF;
  ELSE
    IF NEW."amount_fen" <> OLD."amount_fen" OR NEW."order_id" <> OLD."order_id"
       OR NEW."account_id" <> OLD."account_id" OR NEW."out_refund_no" <> OLD."out_refund_no"
       OR NEW."origin" <> OLD."origin" OR (OLD."held" AND NOT NEW."held") THEN
      RAISE EXCEPTION 'refund %: amount, order, account, number, origin and hold never change', OLD."out_refund_no"
        USING ERRCODE = 'check_violation';
    END IF;
    IF OLD."status"::text IN ('SUCCESS', 'CLOSED', 'REJECTED') AND NEW."status" <> OLD."status" THEN
      RAISE EXCEPTION 'refund % is % (final): it can''t become %', OLD."out_refund_no", OLD."status", NEW."status"
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW."status"::text = 'REJECTED' AND OLD."status"::text <> 'REJECTED' AND OLD."status"::text <> 'REQUESTED' THEN
      RAISE EXCEPTION 'refund % is % at WeChat: it can''t be REJECTED', OLD."out_refund_no", OLD."status"
        USING ERRCODE = 'check_violation';
    END IF;
    IF NOT (OLD."status"::text = ANY ("returned")) THEN
      "delta" := -OLD."amount_fen";
    END IF;
  END IF;
  IF NOT (NEW."status"::text = ANY ("returned")) THEN
    "delta" := "delta" + NEW."amount_fen";
  END IF;
  IF "delta" <> 0 THEN
    UPDATE "payment_orders" SET "refunded_fen" = "refunded_fen" + "delta", "updated_at" = now()
    WHERE "id" = NEW."order_id";
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "refunds_guard" BEFORE INSERT OR UPDATE ON "refunds"
  FOR EACH ROW EXECUTE FUNCTION "refunds_guard"();

CREATE FUNCTION "payment_orders_refunded_by_refunds_only"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  -- Depth 1: a statement on payment_orders itself, not refunds_guard's update.
  IF pg_trigger_depth() = 1 THEN
    RAISE EXCEPTION 'payment_orders.refunded_fen is kept by refunds only (order %)', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "payment_orders_refunded_by_refunds_only" BEFORE UPDATE OF "refunded_fen" ON "payment_orders"
  FOR EACH ROW WHEN (NEW."refunded_fen" IS DISTINCT FROM OLD."refunded_fen")
  EXECUTE FUNCTION "payment_orders_refunded_by_refunds_only"();

-- At commit, every refund touched has exactly the ledger entries its state calls for: a hold (REFUND,
-- −amount, on its account) when held, and a return (REFUND_RETURN, +amount) exactly when it is held and
-- ended CLOSED or REJECTED. The return goes to its account or, if that account has been merged into a
-- wallet since (sign-in), to an account of its merge chain: a merged account stays empty. Deferred, so
-- a refund and its entries can be written in any order within one transaction; anything else rolls the
-- transaction back.
CREATE FUNCTION "refund_ledger_must_match"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  "r" "refunds"%ROWTYPE;
  "holds" INTEGER;
  "returns" INTEGER;
  "want_returns" INTEGER;
BEGIN
  IF TG_TABLE_NAME = 'ledger_entries' THEN
    SELECT * INTO "r" FROM "refunds" WHERE "id" = NEW."refund_id";
  ELSE
    SELECT * INTO "r" FROM "refunds" WHERE "id" = NEW."id";
  END IF;
  SELECT count(*) FILTER (WHERE "kind"::text = 'REFUND' AND "amount_fen" = -"r"."amount_fen" AND "account_id" = "r"."account_id"),
         count(*) FILTER (WHERE "kind"::text = 'REFUND_RETURN' AND "amount_fen" = "r"."amount_fen" AND "account_id" IN (
           WITH RECURSIVE "chain" ("id", "next", "depth") AS (
             SELECT "a"."id", "a"."merged_into_id", 0 FROM "accounts" "a" WHERE "a"."id" = "r"."account_id"
             UNION ALL
             SELECT "a"."id", "a"."merged_into_id", "chain"."depth" + 1
             FROM "accounts" "a" JOIN "chain" ON "a"."id" = "chain"."next" WHERE "chain"."depth" < 16
           )
           SELECT "chain"."id" FROM "chain")
         )
    INTO "holds", "returns"
  FROM "ledger_entries" WHERE "refund_id" = "r"."id";
  "want_returns" := CASE WHEN "r"."held" AND "r"."status"::text IN ('CLOSED', 'REJECTED') THEN 1 ELSE 0 END;
  IF "holds" <> (CASE WHEN "r"."held" THEN 1 ELSE 0 END) OR "returns" <> "want_returns"
     OR (SELECT count(*) FROM "ledger_entries" WHERE "refund_id" = "r"."id") <> "holds" + "returns" THEN
    RAISE EXCEPTION 'refund % (%, held %) has % hold(s) and % return(s) in the ledger',
      "r"."out_refund_no", "r"."status", "r"."held", "holds", "returns"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER "refunds_ledger_must_match" AFTER INSERT OR UPDATE ON "refunds"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "refund_ledger_must_match"();
CREATE CONSTRAINT TRIGGER "ledger_refund_must_match" AFTER INSERT ON "ledger_entries"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW."refund_id" IS NOT NULL)
  EXECUTE FUNCTION "refund_ledger_must_match"();

-- The status history: one row when an order is created, one for each change of status.
CREATE FUNCTION "record_order_status_change"() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW."status" IS DISTINCT FROM OLD."status" THEN
    INSERT INTO "order_status_changes" ("order_id", "from_status", "to_status", "changed_at")
    VALUES (NEW."id", CASE WHEN TG_OP = 'UPDATE' THEN OLD."status" END, NEW."status", now());
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "record_order_status_change" AFTER INSERT OR UPDATE OF "status" ON "payment_orders"
  FOR EACH ROW EXECUTE FUNCTION "record_order_status_change"();
-- Orders that exist already: their current status, as of their last update.
INSERT INTO "order_status_changes" ("order_id", "from_status", "to_status", "changed_at")
SELECT "id", NULL, "status", "updated_at" FROM "payment_orders";
