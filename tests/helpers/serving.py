"""The filter expressions of the experiment tests/serving/conftest.py deploys,
which the serving tests check answers against."""

NO_PURCHASES = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
NOT_THESE = "EXCLUDE ItemID WHERE Items.ITEM_ID IN ($ITEMS)"  # a placeholder, for filterValues
