# METADATA
# title: Commerce
# description: >-
#   "Prohibited (whatever licences the business holds)": the product table in
#   data.json says which product types may not be offered for sale. Product
#   types not in the table are not prohibited.
package sendgate.rules.commerce

import data.sendgate.facts

# METADATA
# title: Prohibited item
# description: >-
#   "Firearms; drugs (prescription, recreational or otherwise); unsafe
#   supplements; medical and healthcare products incl. devices; endangered
#   species and live animals; hazardous goods; real, virtual or fake currency;
#   body parts or fluids; real-money gambling; adult products and services;
#   ... alcohol and tobacco for sale." An item whose product_type the product
#   table prohibits (compared trimmed and lower-cased: "Alcohol" is alcohol).
# custom:
#   code: commerce.prohibited_item
deny contains reason if {
	some item in input.message.items
	data.sendgate.products[facts.table_key(item.product_type)].prohibited == true
	reason := {
		"code": "commerce.prohibited_item",
		"message": sprintf(
			"%s (product type %q) may not be sold on WhatsApp. Remove it from the message.",
			[facts.item_label(item), item.product_type],
		),
		"evidence": facts.item_label(item),
	}
}
