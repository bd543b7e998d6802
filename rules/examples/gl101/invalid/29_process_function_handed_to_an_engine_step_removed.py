# An ignite-style trainer: the process function closes over the optimizer of the function
# that builds it, and the engine it is handed to never sees that optimizer. Its step was
# deleted, so nothing steps the gradients.
import torch
from ignite.engine import Engine


def create_trainer(model, optimizer, criterion):
    def train_step(engine, batch):
        model.train()
        x, y = batch
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()  # GL101
        return loss.item()

    trainer = Engine(train_step)
    return trainer


def main(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    trainer = create_trainer(model, optimizer, torch.nn.CrossEntropyLoss())
    trainer.run(loader, max_epochs=2)
