//! US BIS Denied Persons List (tab-separated).
