package sendgate.data_test

# The default tables hold at least what API.md lists.

test_allowed_verticals if {
	every v in [
		"retail", "ecommerce", "travel", "hospitality", "logistics", "telecom", "utilities", "education",
		"financial_services", "automotive", "entertainment", "professional_services", "nonprofit",
		"healthcare_provider",
	] {
		data.sendgate.verticals[v].status == "allowed"
	}
}

test_services_only_verticals if {
	every v in ["pharmaceutical", "medical_device", "body_enhancement_clinic"] {
		data.sendgate.verticals[v].status == "services_only"
	}
}

test_government_vertical if {
	data.sendgate.verticals.government.status == "government"
}

test_no_promotion_verticals if {
	every v in ["alcohol", "otc_medication", "real_money_gambling"] {
		data.sendgate.verticals[v].status == "no_promotion"
	}
}

test_prohibited_verticals if {
	every v in [
		"adult", "dating", "multi_level_marketing", "payday_lending", "debt_collection", "bail_bonds",
		"firearms", "tobacco", "cryptocurrency", "illegal_drugs",
	] {
		data.sendgate.verticals[v].status == "prohibited"
	}
}

test_every_vertical_has_a_known_status if {
	every v in data.sendgate.verticals {
		v.status in {"allowed", "services_only", "government", "no_promotion", "prohibited"}
	}
}

test_prohibited_products if {
	every p in [
		"prescription_drug", "otc_medication", "recreational_drug", "medical_device", "healthcare_product",
		"supplement", "alcohol", "tobacco", "e_cigarette", "weapon", "ammunition", "explosive", "live_animal",
		"endangered_species", "hazardous_material", "adult_product", "gambling", "currency", "cryptocurrency",
		"body_part",
	] {
		data.sendgate.products[p].prohibited == true
	}
}

test_products_that_may_be_sold if {
	every p in ["apparel", "food", "ticket", "consultation", "procedure", "appointment", "vaccination", "repair"] {
		data.sendgate.products[p].prohibited == false
	}
}

test_default_switches if {
	data.sendgate.config.marketing_enabled == true
	data.sendgate.config.optin_must_name_whatsapp == true
	data.sendgate.config.window_hours == 24
	{a | some a in data.sendgate.config.government_areas} == {
		"public_health", "economic_recovery",
		"social_welfare", "local_government",
	}
}
