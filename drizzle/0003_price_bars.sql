CREATE TABLE "history_backfills" (
	"symbol" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"completed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_bars" (
	"symbol" text NOT NULL,
	"resolution" text NOT NULL,
	"start" timestamp with time zone NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" double precision NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "price_bars_symbol_resolution_start_pk" PRIMARY KEY("symbol","resolution","start")
);
