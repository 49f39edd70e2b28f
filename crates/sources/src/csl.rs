//! US trade.gov Consolidated Screening List CSV.
