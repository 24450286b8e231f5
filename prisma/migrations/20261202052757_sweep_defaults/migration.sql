-- AlterTable
ALTER TABLE "payment_orders" ALTER COLUMN "next_check_at" SET DEFAULT (now() + '00:01:00'::interval);

-- Added by hand. A payment exception's resolution fields go together with its state: an open one has
-- none (a resolved one seen again is reopened and loses them), a resolved one has all three.
ALTER TABLE "payment_exceptions" DROP CONSTRAINT "payment_exceptions_resolution_matches_status";
ALTER TABLE "payment_exceptions" ADD CONSTRAINT "payment_exceptions_resolution_matches_status" CHECK (
  ("status" = 'OPEN' AND "resolved_at" IS NULL AND "resolved_by" IS NULL AND "resolution" IS NULL)
  OR ("status" = 'RESOLVED' AND "resolved_at" IS NOT NULL AND "resolved_by" IS NOT NULL AND "resolution" IS NOT NULL)
);
