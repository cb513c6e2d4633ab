ALTER TABLE "alert_events" ALTER COLUMN "symbol" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_rules" ALTER COLUMN "symbol" DROP NOT NULL;