# A method of a class on a framework's base clears an optimizer it takes from self and
# returns the loss: the framework's loop steps self.optimizer after the method returns.
from some_framework import Trainer


class MyTrainer(Trainer):
    def training_step(self, model, inputs):
        optimizer = self.optimizer
        optimizer.zero_grad()
        loss = model(**inputs).loss
        loss.backward()
        return loss.detach()
