//! UN Security Council consolidated list XML.
