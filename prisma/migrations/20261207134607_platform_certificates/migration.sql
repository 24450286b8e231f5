-- CreateTable
CREATE TABLE "wechatpay_platform_certificates" (
    "serial_no" VARCHAR(64) NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "not_before" TIMESTAMPTZ(3) NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "effective_time" TIMESTAMPTZ(3) NOT NULL,
    "expire_time" TIMESTAMPTZ(3) NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_listed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "wechatpay_platform_certificates_pkey" PRIMARY KEY ("serial_no")
);

-- CreateTable
CREATE TABLE "wechatpay_certificate_refresh" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "lease_until" TIMESTAMPTZ(3),
    "lease_owner" VARCHAR(64),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "last_unknown_serial_at" TIMESTAMPTZ(3),
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "wechatpay_certificate_refresh_pkey" PRIMARY KEY ("id")
);

-- A certificate is trusted only inside its validity window: an empty window is a parsing bug.
ALTER TABLE "wechatpay_platform_certificates"
  ADD CONSTRAINT "wechatpay_platform_certificates_window" CHECK ("not_before" < "not_after"),
  ADD CONSTRAINT "wechatpay_platform_certificates_serial_normalised" CHECK ("serial_no" ~ '^(0|[1-9A-F][0-9A-F]*)$');

-- One coordination row, there from the start, so that claiming the lease is a single UPDATE.
ALTER TABLE "wechatpay_certificate_refresh"
  ADD CONSTRAINT "wechatpay_certificate_refresh_single_row" CHECK ("id" = 1),
  ADD CONSTRAINT "wechatpay_certificate_refresh_failures" CHECK ("consecutive_failures" >= 0);
INSERT INTO "wechatpay_certificate_refresh" ("id") VALUES (1);
