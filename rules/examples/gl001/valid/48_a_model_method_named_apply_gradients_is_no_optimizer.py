class Agent:
    def apply_gradients(self, grads_and_vars):
        # Not an optimizer: what it does with the pairs is its callers' business.
        print(len(list(grads_and_vars)))
