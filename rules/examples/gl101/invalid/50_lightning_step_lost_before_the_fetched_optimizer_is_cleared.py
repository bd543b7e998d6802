# Lightning's asynchronous fetcher test model steps `self.optimizers()` by hand. The step
# was lost; `self.optimizers().zero_grad()` then empties the gradients before the step's
# result goes back to the loop, which steps nothing by itself here.
import torch
from lightning.pytorch import LightningModule


class AsyncBoringModel(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 2)
        self.automatic_optimization = False

    def training_step(self, dataloader_iter):
        batch = next(dataloader_iter)
        loss = self.layer(batch).sum()
        loss.backward()  # GL101
        self.optimizers().zero_grad()
        return {"loss": loss}

    def configure_optimizers(self):
        return torch.optim.SGD(self.layer.parameters(), lr=0.1)
