//! Name dictionaries: given-name equivalence classes across spellings and
//! scripts, nicknames.

/// The equivalence class of a folded given name across spellings and
/// scripts: "mohammed", "muhammad", "mohamed", "mehmet", "محمد" and
/// "мухаммед" share one class. `None` when the name is in no class.
pub fn given_name_class(token: &str) -> Option<u32> {
    let _ = token;
    None
}
