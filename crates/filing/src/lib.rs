//! Regulator filings from cases: FinCEN SAR and CTR (BSA E-Filing batch XML) and UNODC goAML reports.
