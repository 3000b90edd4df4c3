print("wconv")
