allow read if a6 == 0
