print("primctl")
