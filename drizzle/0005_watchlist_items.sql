ALTER TABLE "portfolio_items" RENAME TO "watchlist_items";--> statement-breakpoint
ALTER TABLE "watchlist_items" RENAME CONSTRAINT "portfolio_items_user_id_symbol_pk" TO "watchlist_items_user_id_symbol_pk";--> statement-breakpoint
ALTER TABLE "watchlist_items" RENAME CONSTRAINT "portfolio_items_user_id_users_id_fk" TO "watchlist_items_user_id_users_id_fk";--> statement-breakpoint
ALTER TABLE "watchlist_items" RENAME CONSTRAINT "portfolio_items_symbol_instruments_symbol_fk" TO "watchlist_items_symbol_instruments_symbol_fk";--> statement-breakpoint
ALTER INDEX "portfolio_items_symbol_idx" RENAME TO "watchlist_items_symbol_idx";
