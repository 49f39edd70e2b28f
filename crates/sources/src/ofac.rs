//! OFAC formats: SDN and Consolidated CSV sets, legacy sdn.xml, sdn_advanced.xml.
