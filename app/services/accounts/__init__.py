"""Who a person is: accounts, passwords and sign-in sessions."""
