from rest_framework import throttling


class AnonRateThrottle(throttling.AnonRateThrottle):
    pass


class UserRateThrottle(throttling.UserRateThrottle):
    pass
