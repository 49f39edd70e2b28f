//! UK formats: the UK Sanctions List XML (FCDO) and the legacy OFSI ConList CSV.
